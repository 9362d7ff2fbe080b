//! The five questions of an exfiltration investigation, answered from a Dataset.
