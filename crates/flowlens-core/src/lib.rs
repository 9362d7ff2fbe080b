//! flowlens-core: find data exfiltration in AWS VPC flow logs.
//!
//! - [`flow`]: reading — formats, fields, the push-based file reader (gzip, text,
//!   diagnostics) and the compact columnar record table;
//! - [`analysis`]: the five questions of an investigation and the report;
//! - [`geo`]: the offline address table (country and autonomous system);
//! - [`charts`] and [`export`]: the timeline and histogram for any plotters backend,
//!   the Markdown summary and the CSV exports;
//! - [`hunt`]: the whole incident — scans, brute force, first success, exfiltration,
//!   long connections, role inversions and beacons — as ranked findings with evidence;
//! - [`example`]: the honeypot week, generated;
//! - [`time`] and [`units`]: times and numbers in words for people (leaves: every
//!   layer may use them).
//!
//! Pure Rust that compiles natively and to WebAssembly, with no browser, no I/O, no
//! clock and no threads: the command-line tool (`crates/flowlens-cli`) and the web
//! page (the workspace's top-level package) are thin edges around it.

pub mod analysis;
pub mod charts;
pub mod example;
pub mod export;
pub mod flow;
pub mod geo;
pub mod hunt;
pub mod time;
pub mod units;
