//! Problems found while reading: one per bad line or unreadable file, each naming the
//! file and (where known) the line, so the user can find it. Reading goes on after
//! every diagnostic; they are collected in the [`super::Dataset`], never thrown.
//!
//! A diagnostic is typed, like csv's `ErrorKind` + `Position`: a [`DiagnosticKind`]
//! (what happened, for grouping and for tests), a [`Severity`] that follows from the
//! kind (an unreadable file is an error, an unreadable line a warning, a file with
//! nothing to read a note), a position (file, line and byte offset where known) and
//! the words for the user. `Display` gives `file:line: message`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How much a diagnostic matters to the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Nothing is wrong, but the user may want to know (an empty file, a file with a
    /// header line only, a file given twice).
    Note,
    /// One line could not be used; the rest of the file was read.
    Warning,
    /// A file is damaged, unreadable or not flow logs, or reading stopped before its end.
    Error,
}

impl Severity {
    /// The word for the severity (`note`, `warning`, `error`), as serialized.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What a diagnostic is about. Each kind has one [`Severity`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticKind {
    // Notes.
    /// The file has no bytes, or no text after decompression.
    Empty,
    /// The file has a header line and no records (normal for a quiet interface).
    HeaderOnly,
    /// The same content was given before (another file with the same bytes).
    Duplicate,
    // Warnings: one line.
    /// A line longer than the reader keeps.
    LineTooLong,
    /// A line with more fields than any format has.
    TooManyFields,
    /// A line with a field count other than its format's.
    FieldCount,
    /// A line with no header before it and not the default format's field count.
    NoFormat,
    /// A field that is not what its column holds (a word for a number, …).
    BadField,
    /// Bad lines past the listed ones, counted in one diagnostic.
    MoreBadLines,
    /// Lines were there, but none could be read as a record.
    NoRecords,
    // Errors: the file.
    /// The file could not be opened or read (reported by the edges).
    Unreadable,
    /// The content is binary, not flow-log text.
    Binary,
    /// A form flowlens recognises but cannot read (a compression codec it lacks, …).
    Unsupported,
    /// The compressed data ends before its end (a cut download).
    Truncated,
    /// The compressed data or the container is damaged.
    Damaged,
    /// An archive member was not read: too large, or compressed beyond belief.
    ArchiveLimit,
    /// Reading stopped at the record limit (the memory budget).
    RecordLimit,
    /// The user cancelled reading here: this file and the ones after it were not read.
    Cancelled,
}

impl DiagnosticKind {
    /// Every kind, in declaration order (the wire encoding numbers them by it).
    pub const ALL: [DiagnosticKind; 18] = [
        DiagnosticKind::Empty,
        DiagnosticKind::HeaderOnly,
        DiagnosticKind::Duplicate,
        DiagnosticKind::LineTooLong,
        DiagnosticKind::TooManyFields,
        DiagnosticKind::FieldCount,
        DiagnosticKind::NoFormat,
        DiagnosticKind::BadField,
        DiagnosticKind::MoreBadLines,
        DiagnosticKind::NoRecords,
        DiagnosticKind::Unreadable,
        DiagnosticKind::Binary,
        DiagnosticKind::Unsupported,
        DiagnosticKind::Truncated,
        DiagnosticKind::Damaged,
        DiagnosticKind::ArchiveLimit,
        DiagnosticKind::RecordLimit,
        DiagnosticKind::Cancelled,
    ];

    /// How much this kind matters.
    pub fn severity(self) -> Severity {
        use DiagnosticKind::*;
        match self {
            Empty | HeaderOnly | Duplicate => Severity::Note,
            LineTooLong | TooManyFields | FieldCount | NoFormat | BadField | MoreBadLines
            | NoRecords | Cancelled => Severity::Warning,
            Unreadable | Binary | Unsupported | Truncated | Damaged | ArchiveLimit
            | RecordLimit => Severity::Error,
        }
    }

    /// The kind's name as serialized (`header_only`, `bad_field`, …).
    pub fn name(self) -> &'static str {
        use DiagnosticKind::*;
        match self {
            Empty => "empty",
            HeaderOnly => "header_only",
            Duplicate => "duplicate",
            LineTooLong => "line_too_long",
            TooManyFields => "too_many_fields",
            FieldCount => "field_count",
            NoFormat => "no_format",
            BadField => "bad_field",
            MoreBadLines => "more_bad_lines",
            NoRecords => "no_records",
            Unreadable => "unreadable",
            Binary => "binary",
            Unsupported => "unsupported",
            Truncated => "truncated",
            Damaged => "damaged",
            ArchiveLimit => "archive_limit",
            RecordLimit => "record_limit",
            Cancelled => "cancelled",
        }
    }
}

/// A problem with one line or one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// How much it matters (follows from `kind`).
    pub severity: Severity,
    /// What happened.
    pub kind: DiagnosticKind,
    /// The file's name or path as the user gave it.
    pub file: String,
    /// 1-based line number in the (decompressed) text, when the problem is one line's.
    pub line: Option<u64>,
    /// Byte offset in the (decompressed) text where the line or the problem starts,
    /// where known.
    pub byte: Option<u64>,
    /// What is wrong, in words for the user.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic of `kind` about the whole of `file`.
    pub fn new(kind: DiagnosticKind, file: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: kind.severity(),
            kind,
            file: file.to_string(),
            line: None,
            byte: None,
            message: message.into(),
        }
    }

    /// The same, at line `line` (1-based).
    pub fn at_line(mut self, line: u64) -> Diagnostic {
        self.line = Some(line);
        self
    }

    /// The same, at byte `byte` of the text.
    pub fn at_byte(mut self, byte: u64) -> Diagnostic {
        self.byte = Some(byte);
        self
    }

    /// True for errors and warnings (what the user is shown as problems); notes are not.
    pub fn is_problem(&self) -> bool {
        self.severity >= Severity::Warning
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl DiagnosticKind {
    /// What a group of this kind is, for a one-line summary ("have a header line and no
    /// records"), after a count of files or lines.
    pub fn summary(self) -> &'static str {
        use DiagnosticKind::*;
        match self {
            Empty => "empty files",
            HeaderOnly => "files with a header line and no records (a quiet interval)",
            Duplicate => "files given twice (read once)",
            LineTooLong => "lines too long to be records",
            TooManyFields => "lines with more fields than any format",
            FieldCount => "lines with another field count than their format",
            NoFormat => "lines with no header and not the default format",
            BadField => "lines with a field that could not be read",
            MoreBadLines => "files with more unreadable lines than listed",
            NoRecords => "files with lines but no record",
            Unreadable => "files that could not be read",
            Binary => "files that are binary, not flow logs",
            Unsupported => "files in a form flowlens cannot read",
            Truncated => "files cut short",
            Damaged => "damaged files",
            ArchiveLimit => "archive members left unread",
            RecordLimit => "files past the record limit",
            Cancelled => "readings cancelled",
        }
    }
}

/// The diagnostics of one kind, counted, with the first few files they name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindSummary {
    /// The kind.
    pub kind: DiagnosticKind,
    /// Its severity.
    pub severity: Severity,
    /// Diagnostics of the kind.
    pub count: u64,
    /// The first distinct files they name (at most the number asked for).
    pub files: Vec<String>,
    /// Distinct files in all.
    pub files_total: u64,
    /// The first of them, to quote.
    pub first: Diagnostic,
}

/// `diagnostics` grouped by kind: errors first, then warnings, then notes, each by
/// count (largest first); each group names its first `files` files.
pub fn summarize(diagnostics: &[Diagnostic], files: usize) -> Vec<KindSummary> {
    let mut groups: Vec<(KindSummary, std::collections::HashSet<&str>)> = Vec::new();
    for d in diagnostics {
        let at = match groups.iter().position(|(g, _)| g.kind == d.kind) {
            Some(at) => at,
            None => {
                groups.push((
                    KindSummary {
                        kind: d.kind,
                        severity: d.severity,
                        count: 0,
                        files: Vec::new(),
                        files_total: 0,
                        first: d.clone(),
                    },
                    Default::default(),
                ));
                groups.len() - 1
            }
        };
        let Some((group, seen)) = groups.get_mut(at) else {
            continue;
        };
        group.count += 1;
        if seen.insert(d.file.as_str()) {
            group.files_total += 1;
            if group.files.len() < files {
                group.files.push(d.file.clone());
            }
        }
    }
    let mut out: Vec<KindSummary> = groups.into_iter().map(|(g, _)| g).collect();
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.count.cmp(&a.count))
            .then(a.kind.cmp(&b.kind))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_name_and_severity_in_json() {
        for kind in DiagnosticKind::ALL {
            let d = Diagnostic::new(kind, "a.log", "words");
            let json = serde_json::to_value(&d).unwrap();
            assert_eq!(json["kind"], kind.name(), "{kind:?}");
            assert_eq!(json["severity"], kind.severity().name(), "{kind:?}");
            let back: Diagnostic = serde_json::from_value(json).unwrap();
            assert_eq!(back, d);
        }
        let names: std::collections::BTreeSet<_> =
            DiagnosticKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), DiagnosticKind::ALL.len());
    }

    #[test]
    fn severities_of_the_kinds_users_meet_most() {
        let cases = [
            (DiagnosticKind::HeaderOnly, Severity::Note, false),
            (DiagnosticKind::Empty, Severity::Note, false),
            (DiagnosticKind::BadField, Severity::Warning, true),
            (DiagnosticKind::Truncated, Severity::Error, true),
            (DiagnosticKind::Binary, Severity::Error, true),
        ];
        for (kind, severity, problem) in cases {
            let d = Diagnostic::new(kind, "f", "m");
            assert_eq!(
                (d.severity, d.is_problem()),
                (severity, problem),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn diagnostics_are_summarised_by_kind_errors_first() {
        let mut all = Vec::new();
        for i in 0..141 {
            all.push(Diagnostic::new(
                DiagnosticKind::HeaderOnly,
                &format!("w{i}.log"),
                "header only",
            ));
        }
        for line in [3, 9, 12] {
            all.push(Diagnostic::new(DiagnosticKind::BadField, "a.log", "bad").at_line(line));
        }
        all.push(Diagnostic::new(DiagnosticKind::BadField, "b.log", "bad").at_line(2));
        all.push(Diagnostic::new(
            DiagnosticKind::Truncated,
            "cut.log.gz",
            "cut",
        ));
        let groups = summarize(&all, 3);
        let shape: Vec<_> = groups
            .iter()
            .map(|g| (g.kind, g.count, g.files_total, g.files.len()))
            .collect();
        assert_eq!(
            shape,
            vec![
                (DiagnosticKind::Truncated, 1, 1, 1),
                (DiagnosticKind::BadField, 4, 2, 2),
                (DiagnosticKind::HeaderOnly, 141, 141, 3),
            ]
        );
        assert_eq!(groups[2].files, ["w0.log", "w1.log", "w2.log"]);
        assert_eq!(groups[1].first.line, Some(3));
        assert!(summarize(&[], 3).is_empty());
    }

    #[test]
    fn display_is_file_line_message() {
        let d = Diagnostic::new(DiagnosticKind::BadField, "a.log", "field `bytes`: bad")
            .at_line(3)
            .at_byte(120);
        assert_eq!(d.to_string(), "a.log:3: field `bytes`: bad");
        let d = Diagnostic::new(DiagnosticKind::Empty, "b.log", "empty file");
        assert_eq!(d.to_string(), "b.log: empty file");
    }
}
