//! Writing the example week in the other forms flowlens reads, as AWS and its tools
//! write them (`flowlens example --form …`): the core generates the S3 text; this turns
//! each file into S3 Parquet, a CloudWatch Logs export, a CloudWatch Logs subscription's
//! Firehose objects, or one ZIP of the whole S3 tree. The same records in every form,
//! so that every form must give the same report.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use flowlens_core::example::{gzip, ExampleFile};
use flowlens_core::time::format_rfc3339;
use parquet::basic::{Compression, GzipLevel};
use parquet::data_type::ByteArray;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

/// A form the example week can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExampleForm {
    /// `.log.gz` files as S3 delivers them (the default).
    Text,
    /// `.log.parquet` files as S3 delivers them with `FileFormat=parquet`: GZIP inside,
    /// INT32 and INT64 columns as AWS documents, null for a missing number.
    Parquet,
    /// A CloudWatch Logs export task's objects: `<task>/<interface-id>/NNNNNN.gz`, lines
    /// `<ISO time> <record>`, no header.
    CloudwatchExport,
    /// A CloudWatch Logs subscription through Firehose: objects with no suffix, one
    /// gzip member a batch of events, each a `DATA_MESSAGE` envelope (and a
    /// `CONTROL_MESSAGE` first).
    Firehose,
    /// The S3 text tree in one ZIP archive (`week.zip`).
    Zip,
}

/// Writes the week's files (`files`, in time order) under `out` in `form`.
pub fn write_week(out: &Path, files: &[ExampleFile], form: ExampleForm) -> io::Result<u64> {
    let mut written = 0;
    match form {
        ExampleForm::Text => {
            for file in files {
                write_file(&out.join(&file.path), &gzip(&file.text))?;
                written += 1;
            }
        }
        ExampleForm::Parquet => {
            for file in files {
                let path = file.path.replace(".log.gz", ".log.parquet");
                write_file(&out.join(path), &parquet_of(&file.text)?)?;
                written += 1;
            }
        }
        ExampleForm::CloudwatchExport => {
            for (i, file) in files.iter().enumerate() {
                let (stream, lines) = export_lines(&file.text);
                let path = format!("exportedlogs/0c1a5e77-task/{stream}/{i:06}.gz");
                write_file(&out.join(path), &gzip(lines.as_bytes()))?;
                written += 1;
            }
        }
        ExampleForm::Firehose => {
            for (i, file) in files.iter().enumerate() {
                let path = format!("firehose/flowlens-week-1-{i:06}");
                write_file(&out.join(path), &firehose_object(&file.text, i == 0))?;
                written += 1;
            }
        }
        ExampleForm::Zip => {
            let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
            // The members are gzip already: stored, not deflated again.
            let stored = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            for file in files {
                zip.start_file(format!("week/{}", file.path), stored)
                    .map_err(io::Error::other)?;
                zip.write_all(&gzip(&file.text))?;
            }
            let bytes = zip.finish().map_err(io::Error::other)?.into_inner();
            write_file(&out.join("week.zip"), &bytes)?;
            written += 1;
        }
    }
    Ok(written)
}

fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes)
}

/// The header's names and the records' fields of an S3 text file.
fn header_and_records(text: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = String::from_utf8_lossy(text);
    let mut lines = text.lines().filter(|l| !l.is_empty());
    let header = lines
        .next()
        .unwrap_or("")
        .split(' ')
        .map(str::to_string)
        .collect();
    let records = lines
        .map(|l| l.split(' ').map(str::to_string).collect())
        .collect();
    (header, records)
}

/// The Parquet type AWS documents for a field (`None`: a string).
fn parquet_int(name: &str) -> Option<parquet::basic::Type> {
    use parquet::basic::Type as P;
    match name {
        "version" | "srcport" | "dstport" | "protocol" | "tcp-flags" | "traffic-path" => {
            Some(P::INT32)
        }
        "packets" | "bytes" | "start" | "end" => Some(P::INT64),
        _ => None,
    }
}

/// A text file's records as AWS's Parquet: columns named with `_`, optional, GZIP.
fn parquet_of(text: &[u8]) -> io::Result<Vec<u8>> {
    let (header, records) = header_and_records(text);
    let err = |e: parquet::errors::ParquetError| io::Error::other(e.to_string());
    let fields = header
        .iter()
        .map(|name| {
            let physical = parquet_int(name).unwrap_or(parquet::basic::Type::BYTE_ARRAY);
            let column = name.replace('-', "_");
            let mut builder = Type::primitive_type_builder(&column, physical)
                .with_repetition(parquet::basic::Repetition::OPTIONAL);
            if physical == parquet::basic::Type::BYTE_ARRAY {
                builder = builder.with_logical_type(Some(parquet::basic::LogicalType::String));
            }
            builder.build().map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    let schema = Arc::new(
        Type::group_type_builder("LogFormatInfo")
            .with_fields(fields)
            .build()
            .map_err(err)?,
    );
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::GZIP(GzipLevel::default()))
            .build(),
    );
    let mut writer = SerializedFileWriter::new(Vec::new(), schema, props).map_err(err)?;
    let mut group = writer.next_row_group().map_err(err)?;
    let mut index = 0;
    while let Some(mut column) = group.next_column().map_err(err)? {
        let values: Vec<&str> = records
            .iter()
            .map(|r| r.get(index).map_or("-", String::as_str))
            .collect();
        // Strings stay "-" (AWS's Avro schema defaults strings to "-"); numbers are null.
        use parquet::column::writer::ColumnWriter as W;
        let levels = |present: &dyn Fn(&str) -> bool| -> Vec<i16> {
            values.iter().map(|v| i16::from(present(v))).collect()
        };
        match column.untyped() {
            W::Int32ColumnWriter(w) => {
                let numbers: Vec<i32> = values.iter().filter_map(|v| v.parse().ok()).collect();
                let defs = levels(&|v| v.parse::<i32>().is_ok());
                w.write_batch(&numbers, Some(&defs), None).map_err(err)?;
            }
            W::Int64ColumnWriter(w) => {
                let numbers: Vec<i64> = values.iter().filter_map(|v| v.parse().ok()).collect();
                let defs = levels(&|v| v.parse::<i64>().is_ok());
                w.write_batch(&numbers, Some(&defs), None).map_err(err)?;
            }
            W::ByteArrayColumnWriter(w) => {
                let strings: Vec<ByteArray> = values.iter().map(|v| ByteArray::from(*v)).collect();
                let defs = vec![1; strings.len()];
                w.write_batch(&strings, Some(&defs), None).map_err(err)?;
            }
            _ => return Err(io::Error::other("unexpected column type")),
        }
        column.close().map_err(err)?;
        index += 1;
    }
    group.close().map_err(err)?;
    writer.into_inner().map_err(err)
}

/// A text file's records as a CloudWatch Logs export: the interface's stream name and
/// `<ISO time of start> <record>` lines (CloudWatch's timestamp is the record's start).
fn export_lines(text: &[u8]) -> (String, String) {
    let (header, records) = header_and_records(text);
    let at = |name: &str| header.iter().position(|h| h == name);
    let (start, eni) = (at("start"), at("interface-id"));
    let mut stream = String::from("eni-unknown");
    let mut out = String::new();
    for record in &records {
        let secs = start
            .and_then(|i| record.get(i))
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0);
        if let Some(name) = eni.and_then(|i| record.get(i)) {
            stream.clone_from(name);
        }
        let stamp = format_rfc3339(secs).replace('Z', ".000Z");
        out.push_str(&format!("{stamp} {}\n", record.join(" ")));
    }
    (stream, out)
}

/// A text file's records as one Firehose object of a CloudWatch Logs subscription:
/// gzip members back to back, each a `DATA_MESSAGE` of up to 100 events (after a
/// `CONTROL_MESSAGE` when `control`).
fn firehose_object(text: &[u8], control: bool) -> Vec<u8> {
    let (header, records) = header_and_records(text);
    let start = header.iter().position(|h| h == "start");
    let mut object = Vec::new();
    if control {
        let message = serde_json::json!({
            "messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "",
            "logStream": "", "subscriptionFilters": [],
            "logEvents": [{"id": "", "timestamp": 1_600_000_000_000_u64,
                "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}]
        });
        object.extend(gzip(message.to_string().as_bytes()));
    }
    for (batch, chunk) in records.chunks(100).enumerate() {
        let events: Vec<serde_json::Value> = chunk
            .iter()
            .enumerate()
            .map(|(i, record)| {
                let secs = start
                    .and_then(|s| record.get(s))
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap_or(0);
                serde_json::json!({
                    "id": format!("{batch}-{i}"),
                    "timestamp": secs * 1000,
                    "message": record.join(" "),
                })
            })
            .collect();
        let envelope = serde_json::json!({
            "messageType": "DATA_MESSAGE", "owner": "123456789012",
            "logGroup": "/aws/vpc/flowlogs", "logStream": "eni-all",
            "subscriptionFilters": ["flowlens"], "logEvents": events,
        });
        object.extend(gzip(envelope.to_string().as_bytes()));
    }
    object
}
