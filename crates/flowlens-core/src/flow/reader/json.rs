//! The JSON forms: CloudWatch Logs subscription envelopes as Firehose delivers them
//! (`{"messageType":"DATA_MESSAGE",…,"logEvents":[{"message":…}]}`, back to back),
//! flow logs sent to Firehose directly (`{"message":"<record>"}`, back to back or one
//! a line) and the CLI's `aws logs filter-log-events` / `get-log-events` output
//! (`{"events":[{"message":…}],…}`, possibly several documents in one file).
//!
//! Top-level values are found by a small scanner (depth, strings, escapes) that keeps
//! its state between chunks, so values may follow each other with no separator and be
//! cut anywhere; each complete value is parsed with serde_json into [`Shape`], and its
//! messages (the flow-log records) are handed on. A value is held in memory until it
//! ends, up to [`MAX_VALUE_BYTES`].

use serde::Deserialize;

use crate::flow::form::Form;

/// Largest JSON value held (a CLI document with every event of a stream is one
/// value).
pub(super) const MAX_VALUE_BYTES: usize = 256 * 1024 * 1024;

/// One event of a CloudWatch Logs envelope or of the CLI's output.
#[derive(Deserialize)]
struct Event {
    #[serde(default)]
    message: Option<String>,
}

/// Every JSON shape flowlens reads, as one struct of optional fields: which fields
/// are there says which shape it is.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Shape {
    #[serde(rename = "messageType")]
    message_type: Option<String>,
    #[serde(rename = "logEvents")]
    log_events: Option<Vec<Event>>,
    events: Option<Vec<Event>>,
    message: Option<String>,
}

/// What one top-level value held.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Value {
    /// Records of a form.
    Messages(Form, Vec<String>),
    /// A CloudWatch Logs control message (a health check): nothing to read.
    Control,
    /// Not a shape flowlens knows, with why.
    Unknown(String),
}

/// Reads one complete top-level JSON value.
pub(super) fn read_value(bytes: &[u8]) -> Value {
    if bytes.first() == Some(&b'[') {
        return match serde_json::from_slice::<Vec<Shape>>(bytes) {
            Ok(shapes) => {
                let mut form = None;
                let mut messages = Vec::new();
                for shape in shapes {
                    match from_shape(shape) {
                        Value::Messages(f, m) => {
                            form.get_or_insert(f);
                            messages.extend(m);
                        }
                        Value::Control => {}
                        unknown @ Value::Unknown(_) => return unknown,
                    }
                }
                Value::Messages(form.unwrap_or(Form::FirehoseVpc), messages)
            }
            Err(err) => Value::Unknown(format!("a JSON array that is not flow-log events ({err})")),
        };
    }
    match serde_json::from_slice::<Shape>(bytes) {
        Ok(shape) => from_shape(shape),
        Err(err) => Value::Unknown(format!("JSON that is not a flow-log shape ({err})")),
    }
}

fn from_shape(shape: Shape) -> Value {
    let messages = |events: Vec<Event>| events.into_iter().filter_map(|e| e.message).collect();
    if let Some(kind) = shape.message_type {
        if kind == "CONTROL_MESSAGE" {
            return Value::Control;
        }
        return Value::Messages(
            Form::FirehoseCloudwatch,
            messages(shape.log_events.unwrap_or_default()),
        );
    }
    if let Some(events) = shape.events {
        return Value::Messages(Form::CloudwatchJson, messages(events));
    }
    if let Some(events) = shape.log_events {
        return Value::Messages(Form::FirehoseCloudwatch, messages(events));
    }
    if let Some(message) = shape.message {
        return Value::Messages(Form::FirehoseVpc, vec![message]);
    }
    Value::Unknown(
        "a JSON object with none of messageType, logEvents, events or message".to_string(),
    )
}

/// Finds complete top-level JSON values in text pushed in chunks.
#[derive(Default)]
pub(super) struct JsonValues {
    /// Text not yet handed on: from the start of the current value (or of what has
    /// not been scanned) on.
    held: Vec<u8>,
    /// Bytes of `held` already scanned.
    scanned: usize,
    /// Text offset of `held[0]`.
    base: u64,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Where the current value starts in `held`.
    value_start: Option<usize>,
}

/// A value longer than [`MAX_VALUE_BYTES`].
#[derive(Debug, PartialEq, Eq)]
pub(super) struct TooLarge;

impl JsonValues {
    /// Scans `text`, calling `each(value, offset)` for every value that ends in it,
    /// with the value's bytes and its text offset.
    pub(super) fn push(
        &mut self,
        text: &[u8],
        mut each: impl FnMut(&[u8], u64),
    ) -> Result<(), TooLarge> {
        self.held.extend_from_slice(text);
        let mut i = self.scanned;
        while let Some(&b) = self.held.get(i) {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
            } else {
                match b {
                    b'{' | b'[' => {
                        if self.depth == 0 {
                            self.value_start = Some(i);
                        }
                        self.depth += 1;
                    }
                    b'}' | b']' if self.depth > 0 => {
                        self.depth -= 1;
                        if self.depth == 0 {
                            let start = self.value_start.take().unwrap_or(0);
                            if let Some(value) = self.held.get(start..=i) {
                                each(value, self.base + start as u64);
                            }
                        }
                    }
                    b'"' if self.depth > 0 => self.in_string = true,
                    // Between values: separators (newlines, commas) and stray bytes.
                    _ => {}
                }
            }
            i += 1;
        }
        // Keep only the unfinished value.
        let keep_from = self.value_start.unwrap_or(self.held.len());
        self.held.drain(..keep_from);
        self.base += keep_from as u64;
        self.value_start = self.value_start.map(|_| 0);
        self.scanned = self.held.len();
        if self.held.len() > MAX_VALUE_BYTES {
            return Err(TooLarge);
        }
        Ok(())
    }

    /// Counts `n` bytes before the first pushed (a BOM) in the offsets.
    pub(super) fn skip(&mut self, n: u64) {
        self.base += n;
    }

    /// True when the text ended inside a value.
    pub(super) fn unfinished(&self) -> bool {
        self.depth > 0
    }
}

/// True when `head` (text after a BOM) starts, after white space, like JSON.
pub(super) fn looks_like_json(head: &[u8]) -> bool {
    head.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{' || b == b'[')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values_in_chunks(text: &[u8], chunk: usize) -> Vec<(String, u64)> {
        let mut scanner = JsonValues::default();
        let mut got = Vec::new();
        for piece in text.chunks(chunk) {
            scanner
                .push(piece, |v, at| {
                    got.push((String::from_utf8_lossy(v).into_owned(), at))
                })
                .unwrap();
        }
        assert!(!scanner.unfinished());
        got
    }

    #[test]
    fn back_to_back_values_are_found_in_any_chunking() {
        let text = br#"{"message":"a } b"}{"message":"c \" {"}
 {"events":[{"message":"x"}]}[{"message":"y"}]"#;
        let expected = vec![
            (r#"{"message":"a } b"}"#.to_string(), 0),
            (r#"{"message":"c \" {"}"#.to_string(), 19),
            (r#"{"events":[{"message":"x"}]}"#.to_string(), 41),
            (r#"[{"message":"y"}]"#.to_string(), 69),
        ];
        for chunk in [1, 2, 5, 17, text.len()] {
            assert_eq!(values_in_chunks(text, chunk), expected, "chunks of {chunk}");
        }
    }

    #[test]
    fn shapes() {
        let cases: Vec<(&str, Value)> = vec![
            (
                r#"{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1,"message":"m1"},{"id":"2","timestamp":2,"message":"m2"}]}"#,
                Value::Messages(Form::FirehoseCloudwatch, vec!["m1".into(), "m2".into()]),
            ),
            (
                r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#,
                Value::Control,
            ),
            (
                r#"{"message":"2 1 eni-1 - - - - - - - 1 2 - NODATA"}"#,
                Value::Messages(
                    Form::FirehoseVpc,
                    vec!["2 1 eni-1 - - - - - - - 1 2 - NODATA".into()],
                ),
            ),
            (
                r#"{"nextForwardToken":"f/1","events":[{"ingestionTime":1,"timestamp":1,"message":"e1"}],"nextBackwardToken":"b/1"}"#,
                Value::Messages(Form::CloudwatchJson, vec!["e1".into()]),
            ),
            (
                r#"[{"message":"a"},{"message":"b"}]"#,
                Value::Messages(Form::FirehoseVpc, vec!["a".into(), "b".into()]),
            ),
        ];
        for (json, expected) in cases {
            assert_eq!(read_value(json.as_bytes()), expected, "{json}");
        }
        assert!(matches!(
            read_value(br#"{"records":[]}"#),
            Value::Unknown(_)
        ));
        assert!(matches!(read_value(br#"{"message":5}"#), Value::Unknown(_)));
    }

    #[test]
    fn a_value_past_the_limit_is_refused() {
        let mut scanner = JsonValues::default();
        let big = vec![b' '; 1024 * 1024];
        assert_eq!(scanner.push(b"{\"message\":\"", |_, _| {}), Ok(()));
        let mut result = Ok(());
        for _ in 0..=(MAX_VALUE_BYTES / big.len()) {
            result = scanner.push(&big, |_, _| {});
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(TooLarge));
    }
}
