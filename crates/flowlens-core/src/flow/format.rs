//! A record format: the ordered list of fields each line carries.
//!
//! The format comes from, in order of precedence: the user (`--format`, in either AWS
//! spelling `${version} ${srcaddr} …` or plain `version srcaddr …`), a header line at
//! the top of an S3 file, or the default version-2 format when a line has 14 fields.

use super::field::Field;

/// One column of a format: a known field, or a name we do not know (kept as text).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    /// A field from the AWS documentation.
    Known(Field),
    /// A header name we do not recognise; its values are kept as text.
    Unknown(String),
}

impl Column {
    /// The column's name as the user wrote it (AWS hyphenated spelling for known ones).
    pub fn name(&self) -> &str {
        match self {
            Column::Known(field) => field.name(),
            Column::Unknown(name) => name,
        }
    }
}

/// An ordered list of columns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Format {
    columns: Vec<Column>,
}

/// The fields of the default format (version 2), in order.
pub const DEFAULT_FIELDS: [Field; 14] = [
    Field::Version,
    Field::AccountId,
    Field::InterfaceId,
    Field::Srcaddr,
    Field::Dstaddr,
    Field::Srcport,
    Field::Dstport,
    Field::Protocol,
    Field::Packets,
    Field::Bytes,
    Field::Start,
    Field::End,
    Field::Action,
    Field::LogStatus,
];

impl Format {
    /// The default version-2 format of 14 fields.
    pub fn default_v2() -> Format {
        Format {
            columns: DEFAULT_FIELDS.iter().map(|&f| Column::Known(f)).collect(),
        }
    }

    /// Builds a format from columns.
    pub fn new(columns: Vec<Column>) -> Format {
        Format { columns }
    }

    /// The columns in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Number of fields per line.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// True when the format has no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The highest version among the known fields (what AWS writes in `version`).
    pub fn version(&self) -> u8 {
        self.columns
            .iter()
            .filter_map(|c| match c {
                Column::Known(f) => Some(f.version()),
                Column::Unknown(_) => None,
            })
            .max()
            .unwrap_or(2)
    }

    /// Parses a format given by the user: `${version} ${srcaddr} …` (the AWS console
    /// spelling) or `version srcaddr …`; commas are accepted as separators too.
    /// Unknown names are kept as text columns. Fails on an empty format or a name
    /// that appears twice.
    pub fn parse_user(text: &str) -> Result<Format, String> {
        let mut columns = Vec::new();
        for raw in text.split(|c: char| c.is_whitespace() || c == ',') {
            if raw.is_empty() {
                continue;
            }
            let name = raw
                .strip_prefix("${")
                .and_then(|r| r.strip_suffix('}'))
                .unwrap_or(raw);
            if name.is_empty() || name.contains(['$', '{', '}']) {
                return Err(format!("format: `{raw}` is not a field name"));
            }
            let column = match Field::from_name(name) {
                Some(field) => Column::Known(field),
                None => Column::Unknown(name.to_string()),
            };
            if columns.contains(&column) {
                return Err(format!("format: field `{name}` appears twice"));
            }
            columns.push(column);
        }
        if columns.is_empty() {
            return Err("format: no field names given".to_string());
        }
        Ok(Format { columns })
    }

    /// Reads a header line (fields separated by spaces). Returns `None` when the line
    /// does not look like a header: every token must be a lower-case name
    /// (`[a-z][a-z0-9_-]*`) and at least one must be a known field. Data lines never
    /// pass: they carry numbers, addresses, upper-case `ACCEPT`/`OK` or `-`.
    pub fn parse_header(fields: &[&[u8]]) -> Option<Format> {
        if fields.is_empty() {
            return None;
        }
        let mut columns = Vec::with_capacity(fields.len());
        let mut known = 0;
        for &raw in fields {
            let looks_like_name = raw.first().is_some_and(|b| b.is_ascii_lowercase())
                && raw.iter().all(|&b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                });
            if !looks_like_name {
                return None;
            }
            // The check above makes the token ASCII.
            let name = std::str::from_utf8(raw).ok()?;
            match Field::from_name(name) {
                Some(field) => {
                    known += 1;
                    columns.push(Column::Known(field));
                }
                None => columns.push(Column::Unknown(name.to_string())),
            }
        }
        (known > 0).then_some(Format { columns })
    }

    /// The format as a header line would spell it.
    pub fn to_header(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(Column::name).collect();
        names.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Vec<&[u8]> {
        line.split(' ').map(str::as_bytes).collect()
    }

    #[test]
    fn user_formats() {
        struct Case {
            name: &'static str,
            input: &'static str,
            expected: Result<Vec<&'static str>, ()>,
        }
        let cases = [
            Case {
                name: "aws console spelling",
                input: "${version} ${srcaddr} ${dstaddr} ${log-status}",
                expected: Ok(vec!["version", "srcaddr", "dstaddr", "log-status"]),
            },
            Case {
                name: "plain names",
                input: "srcaddr dstaddr bytes",
                expected: Ok(vec!["srcaddr", "dstaddr", "bytes"]),
            },
            Case {
                name: "underscores and commas",
                input: "pkt_srcaddr,log_status",
                expected: Ok(vec!["pkt-srcaddr", "log-status"]),
            },
            Case {
                name: "unknown kept",
                input: "srcaddr my-extra",
                expected: Ok(vec!["srcaddr", "my-extra"]),
            },
            Case {
                name: "empty",
                input: "  ",
                expected: Err(()),
            },
            Case {
                name: "duplicate",
                input: "srcaddr srcaddr",
                expected: Err(()),
            },
            Case {
                name: "broken brace",
                input: "${srcaddr",
                expected: Err(()),
            },
        ];
        for case in cases {
            let got = Format::parse_user(case.input);
            match (&got, &case.expected) {
                (Ok(format), Ok(names)) => {
                    let got_names: Vec<&str> = format.columns().iter().map(Column::name).collect();
                    assert_eq!(&got_names, names, "{}", case.name);
                }
                (Err(_), Err(())) => {}
                _ => panic!("{}: got {got:?}", case.name),
            }
        }
    }

    #[test]
    fn header_detection() {
        let default = Format::parse_header(&split(
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
        ));
        assert_eq!(default, Some(Format::default_v2()));
        // Unknown names become text columns.
        let custom = Format::parse_header(&split("srcaddr custom-thing")).unwrap();
        assert_eq!(custom.columns()[1], Column::Unknown("custom-thing".into()));
        // Data lines are never headers.
        for line in [
            "2 123456789012 eni-0a1b 10.0.0.1 10.0.0.2 443 49152 6 10 840 1600000000 1600000060 ACCEPT OK",
            "eni-1 vpc-2",
            "- - NODATA",
        ] {
            assert_eq!(Format::parse_header(&split(line)), None, "{line}");
        }
    }

    #[test]
    fn version_is_the_highest_field_version() {
        assert_eq!(Format::default_v2().version(), 2);
        let f = Format::parse_user("srcaddr flow-direction reject-reason").unwrap();
        assert_eq!(f.version(), 8);
    }
}
