//! Reading AWS VPC flow logs: formats, fields, the push-based file reader and the
//! compact columnar table the records are kept in. Pure Rust (std, csv-core, flate2):
//! compiles natively and to WebAssembly, no clock, no threads, no I/O.

pub mod addr;
pub mod budget;
pub mod content_hash;
pub mod dataset;
pub mod diagnostic;
pub mod field;
pub mod form;
pub mod format;
pub mod gzip;
pub mod reader;
pub mod s3key;
pub mod table;
pub mod wire;

pub use addr::{AddrClass, AddrId, Cidr};
pub use budget::{MemoryBudget, ReadingStop};
pub use dataset::{Dataset, FileSummary, FormCount};
pub use diagnostic::{summarize, Diagnostic, DiagnosticKind, KindSummary, Severity};
pub use field::Field;
pub use form::{Form, FormatSource};
pub use format::Format;
pub use reader::{read_bytes, FileReader, ReadOptions};
pub use table::{Action, FlowTable, LogStatus};
