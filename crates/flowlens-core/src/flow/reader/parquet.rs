//! Parquet as S3 delivers flow logs (`FileFormat=parquet`): flat columns named like
//! the text header with `_` for `-` (`account_id`, `log_status`), integers as INT32 or
//! INT64 (read whatever width the file has: AWS's own Athena table says `bigint`
//! where the files hold INT32), a missing value as null or `-`.
//!
//! The file is read whole (Parquet's index is at its end; AWS writes at most ~75 MB a
//! file), one row group after the other with the record API (no Arrow), and each row
//! goes through the same record parser as a text line, so every value is checked the
//! same way and the same records come out of both forms. Only the codecs built in
//! (uncompressed, snappy, gzip, lz4) are read; a file using another (zstd, brotli) is
//! reported with the codec's name. Amazon Security Lake's OCSF Parquet (nested
//! `src_endpoint`, `dst_endpoint`, …) is recognised and reported as not read yet.

use bytes::Bytes;
use parquet::file::reader::{FileReader as _, SerializedFileReader};
use parquet::record::Field as Value;

use super::lines::LineParser;
use super::record::{Compiled, FormatOrigin};
use crate::flow::dataset::Dataset;
use crate::flow::diagnostic::DiagnosticKind;
use crate::flow::form::Form;
use crate::flow::format::Format;

/// Reads the Parquet file `bytes` into `dataset` through `lines`; false when it could
/// not be read at all (a diagnostic says why).
// NOTE: never inlined (nor by wasm-opt: see index.html): inlined, it made
// `FileReader::finish`, called once a file, 112 KB of wasm, which V8 compiled with
// TurboFan in every page load (0.4 s of CPU) for a few milliseconds of running.
#[inline(never)]
pub(super) fn read(lines: &mut LineParser, dataset: &mut Dataset, bytes: Vec<u8>) -> bool {
    let reader = match SerializedFileReader::new(Bytes::from(bytes)) {
        Ok(reader) => reader,
        Err(err) => {
            let message = format!("is a damaged Parquet file: {err}");
            lines.note(dataset, DiagnosticKind::Damaged, message);
            return false;
        }
    };
    let schema = reader.metadata().file_metadata().schema_descr();
    let root = schema.root_schema();
    let fields = root.get_fields();
    let nested = |name: &str| fields.iter().any(|f| f.name() == name && f.is_group());
    if nested("src_endpoint") || nested("dst_endpoint") {
        let message = "is Amazon Security Lake (OCSF) Parquet: flowlens does not read it yet; use the flow log's own S3 delivery (text or Parquet)";
        lines.note(dataset, DiagnosticKind::Unsupported, message.to_string());
        return false;
    }
    let names: Vec<String> = fields.iter().map(|f| f.name().replace('_', "-")).collect();
    let raw: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
    let Some(format) = Format::parse_header(&raw).filter(|_| fields.iter().all(|f| !f.is_group()))
    else {
        let message = format!(
            "is a Parquet file whose columns are not flow-log fields ({})",
            names.join(", ")
        );
        lines.note(dataset, DiagnosticKind::Unsupported, message);
        return false;
    };
    lines.begin_records(dataset, Form::Parquet);
    if lines.user.is_none() {
        let compiled = Compiled::new(format, FormatOrigin::Columns, &mut dataset.table);
        lines.activate(dataset, compiled);
    } else if let Some(user) = lines.user.clone() {
        lines.activate(dataset, user);
    }
    let mut text = String::new();
    for group in 0..reader.num_row_groups() {
        let row_group = match reader.get_row_group(group) {
            Ok(row_group) => row_group,
            Err(err) => {
                lines.note(dataset, DiagnosticKind::Damaged, unreadable(group, &err));
                return true;
            }
        };
        let rows = match row_group.get_row_iter(None) {
            Ok(rows) => rows,
            Err(err) => {
                lines.note(
                    dataset,
                    DiagnosticKind::Unsupported,
                    unreadable(group, &err),
                );
                return true;
            }
        };
        for row in rows {
            if lines.stopped {
                return true;
            }
            let row = match row {
                Ok(row) => row,
                Err(err) => {
                    lines.note(dataset, DiagnosticKind::Damaged, unreadable(group, &err));
                    break;
                }
            };
            text.clear();
            for (i, (_, value)) in row.get_column_iter().enumerate() {
                if i > 0 {
                    text.push(' ');
                }
                push_value(&mut text, value);
            }
            lines.parquet_row(dataset, text.as_bytes());
        }
    }
    true
}

/// Words for a row group that could not be read (a codec left out names itself).
fn unreadable(group: usize, err: &parquet::errors::ParquetError) -> String {
    let text = err.to_string();
    let lower = text.to_ascii_lowercase();
    let codec = ["zstd", "brotli", "lzo", "lz4_hadoop"]
        .into_iter()
        .find(|c| lower.contains(c));
    match codec {
        Some(codec) => format!(
            "row group {group} is compressed with {}, which flowlens does not read (it reads uncompressed, snappy, gzip and lz4): the rest of the file was not read; re-write it with one of those ({text})",
            codec.to_ascii_uppercase()
        ),
        None => format!("row group {group} could not be read: {text}; the rest of the file was not read"),
    }
}

/// A value as a field of a text record: `-` for null or empty.
fn push_value(text: &mut String, value: &Value) {
    use std::fmt::Write;
    let _ = match value {
        Value::Null => write!(text, "-"),
        Value::Str(s) if s.is_empty() => write!(text, "-"),
        Value::Str(s) => write!(text, "{s}"),
        Value::Byte(v) => write!(text, "{v}"),
        Value::Short(v) => write!(text, "{v}"),
        Value::Int(v) => write!(text, "{v}"),
        Value::Long(v) => write!(text, "{v}"),
        Value::UByte(v) => write!(text, "{v}"),
        Value::UShort(v) => write!(text, "{v}"),
        Value::UInt(v) => write!(text, "{v}"),
        Value::ULong(v) => write!(text, "{v}"),
        Value::Bytes(b) => match std::str::from_utf8(b.data()) {
            Ok(s) if !s.is_empty() => write!(text, "{s}"),
            _ => write!(text, "-"),
        },
        other => write!(text, "{other}"),
    };
}
