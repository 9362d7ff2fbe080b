//! Problems found while reading: one per bad line or unreadable file, each naming the
//! file and (where known) the line, so the user can find it. Reading goes on after
//! every diagnostic; they are collected in the [`super::Dataset`], never thrown.

use std::fmt;

/// A problem with one line or one file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// The file's name or path as the user gave it.
    pub file: String,
    /// 1-based line number in the (decompressed) text, when the problem is one line's.
    pub line: Option<u64>,
    /// What is wrong, in words for the user.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}
