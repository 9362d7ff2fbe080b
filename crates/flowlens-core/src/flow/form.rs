//! The forms users hold flow-log records in: the S3 text delivery, a CloudWatch Logs
//! export, the console's CSV, the CLI's JSON, Firehose objects, Parquet, ZIP. Each is
//! recognised by its bytes (never by its name); [`Form`] says which one a file was,
//! so that "What was read" can count files and records per form.

use serde::{Deserialize, Serialize};

/// The form one file's records came in.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Flow-log text as S3 delivers it (a header line, space-separated records),
    /// plain or gzip.
    #[default]
    S3Text,
    /// Apache Parquet as S3 delivers it (`FileFormat=parquet`).
    Parquet,
    /// A CloudWatch Logs export task's object: `<ISO time> <record>` lines.
    CloudwatchExport,
    /// A CloudWatch Logs subscription through Firehose: gzip members of
    /// `{"messageType":"DATA_MESSAGE",…,"logEvents":[…]}` envelopes.
    FirehoseCloudwatch,
    /// Flow logs delivered to Firehose directly: `{"message":"<record>"}` objects.
    FirehoseVpc,
    /// `aws logs filter-log-events` / `get-log-events` output: `{"events":[…]}`.
    CloudwatchJson,
    /// A console download: CSV with a `timestamp,message` header.
    ConsoleCsv,
    /// A ZIP archive (its members are files of their own).
    Zip,
    /// Not read: empty, binary, damaged before anything was read, or a form
    /// flowlens does not read.
    Unread,
}

impl Form {
    /// Every form, in the order "What was read" lists them.
    pub const ALL: [Form; 9] = [
        Form::S3Text,
        Form::Parquet,
        Form::CloudwatchExport,
        Form::FirehoseCloudwatch,
        Form::FirehoseVpc,
        Form::CloudwatchJson,
        Form::ConsoleCsv,
        Form::Zip,
        Form::Unread,
    ];

    /// Words for people.
    pub fn describe(self) -> &'static str {
        match self {
            Form::S3Text => "S3 text",
            Form::Parquet => "S3 Parquet",
            Form::CloudwatchExport => "CloudWatch Logs export",
            Form::FirehoseCloudwatch => "CloudWatch Logs through Firehose",
            Form::FirehoseVpc => "Firehose (direct)",
            Form::CloudwatchJson => "CloudWatch Logs JSON (CLI)",
            Form::ConsoleCsv => "CloudWatch console CSV",
            Form::Zip => "ZIP archive",
            Form::Unread => "not read",
        }
    }

    /// Its number in the wire encoding (the index in [`Form::ALL`]).
    pub fn code(self) -> u8 {
        Form::ALL.iter().position(|f| *f == self).unwrap_or(0) as u8
    }

    /// The form with wire number `code`.
    pub fn from_code(code: u8) -> Option<Form> {
        Form::ALL.get(usize::from(code)).copied()
    }
}

/// Where the format of a file's records came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatSource {
    /// No record was read.
    #[default]
    None,
    /// A header line in the file named the fields (S3 text).
    Header,
    /// The file's own column names (Parquet).
    Columns,
    /// Assumed: the default format (version 2, 14 fields); records in CloudWatch
    /// Logs and Firehose carry no header.
    Default,
    /// Given by the user (`--format`, or the page's format box).
    Given,
}

impl FormatSource {
    /// Its number in the wire encoding.
    pub fn code(self) -> u8 {
        match self {
            FormatSource::None => 0,
            FormatSource::Header => 1,
            FormatSource::Columns => 2,
            FormatSource::Default => 3,
            FormatSource::Given => 4,
        }
    }

    /// The source with wire number `code`.
    pub fn from_code(code: u8) -> Option<FormatSource> {
        [
            FormatSource::None,
            FormatSource::Header,
            FormatSource::Columns,
            FormatSource::Default,
            FormatSource::Given,
        ]
        .get(usize::from(code))
        .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_names_are_snake_case() {
        for form in Form::ALL {
            assert_eq!(Form::from_code(form.code()), Some(form));
        }
        assert_eq!(
            serde_json::to_value(Form::FirehoseCloudwatch).unwrap(),
            "firehose_cloudwatch"
        );
        for code in 0..5 {
            assert_eq!(FormatSource::from_code(code).unwrap().code(), code);
        }
        assert_eq!(
            serde_json::to_value(FormatSource::Default).unwrap(),
            "default"
        );
    }
}
