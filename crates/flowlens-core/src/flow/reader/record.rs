//! Parsing one line into a record of the current format: the format resolved against
//! the table's columns ([`Compiled`]), header lines that set it, the fast way (one
//! pass, no messages) and the careful way (every field checked, with a message for
//! the first bad one), and storing the values in the table.

use super::addr_cache::AddrCache;
use super::lines::LineParser;
use super::split::{field_ends, Fields, FAST_FIELDS};
use super::values::{parse_small, parse_time, parse_u64, Bad};
use crate::flow::addr::parse_addr;
use crate::flow::dataset::Dataset;
use crate::flow::diagnostic::DiagnosticKind;
use crate::flow::field::{Field, FieldKind};
use crate::flow::form::FormatSource;
use crate::flow::format::{Column, Format};
use crate::flow::table::{Action, CoreValues, FlowTable, LogStatus};

/// Where each column of a line goes.
#[derive(Clone, Copy, Debug)]
pub(super) enum Slot {
    Srcaddr,
    Dstaddr,
    Srcport,
    Dstport,
    Protocol,
    Packets,
    Bytes,
    Start,
    End,
    Action,
    LogStatus,
    /// A text column of the table, validated as `kind`.
    Text(usize, FieldKind),
}

/// A format resolved against the table's columns.
#[derive(Clone, Debug)]
pub(super) struct Compiled {
    pub(super) format: Format,
    pub(super) slots: Vec<Slot>,
    /// Table text columns this format fills.
    pub(super) text_columns: Vec<usize>,
    /// Where the format came from, for messages.
    pub(super) origin: FormatOrigin,
    /// No text column appears twice: a field equal to its column's last value can be
    /// stored as a repeat without comparing it again.
    pub(super) distinct_text: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FormatOrigin {
    User,
    Header(u64),
    /// A Parquet file's column names.
    Columns,
    Default,
}

impl Compiled {
    pub(super) fn new(format: Format, origin: FormatOrigin, table: &mut FlowTable) -> Compiled {
        let mut text_columns = Vec::new();
        let slots = format
            .columns()
            .iter()
            .map(|column| match column {
                Column::Known(Field::Srcaddr) => Slot::Srcaddr,
                Column::Known(Field::Dstaddr) => Slot::Dstaddr,
                Column::Known(Field::Srcport) => Slot::Srcport,
                Column::Known(Field::Dstport) => Slot::Dstport,
                Column::Known(Field::Protocol) => Slot::Protocol,
                Column::Known(Field::Packets) => Slot::Packets,
                Column::Known(Field::Bytes) => Slot::Bytes,
                Column::Known(Field::Start) => Slot::Start,
                Column::Known(Field::End) => Slot::End,
                Column::Known(Field::Action) => Slot::Action,
                Column::Known(Field::LogStatus) => Slot::LogStatus,
                Column::Known(field) => {
                    let index = table.text_column_mut(field.name());
                    text_columns.push(index);
                    Slot::Text(index, field.kind())
                }
                Column::Unknown(name) => {
                    let index = table.text_column_mut(name);
                    text_columns.push(index);
                    Slot::Text(index, FieldKind::Text)
                }
            })
            .collect();
        let distinct_text = text_columns.iter().enumerate().all(|(i, c)| {
            !text_columns
                .get(..i)
                .is_some_and(|before| before.contains(c))
        });
        Compiled {
            format,
            slots,
            text_columns,
            origin,
            distinct_text,
        }
    }

    pub(super) fn describe(&self) -> String {
        match self.origin {
            FormatOrigin::User => format!("the given format has {} fields", self.slots.len()),
            FormatOrigin::Header(line) => {
                format!(
                    "the header on line {line} names {} fields",
                    self.slots.len()
                )
            }
            FormatOrigin::Columns => format!("the file's columns name {} fields", self.slots.len()),
            FormatOrigin::Default => "the default format has 14 fields".to_string(),
        }
    }
}

impl LineParser {
    pub(super) fn record_fields(&mut self, dataset: &mut Dataset, line: u64, fields: &Fields<'_>) {
        let count = fields.len();
        // A header line (first or repeated) sets the format unless the user gave one.
        if fields.get(0).first().is_some_and(u8::is_ascii_lowercase) {
            let names: Vec<&[u8]> = (0..count).map(|i| fields.get(i)).collect();
            if let Some(format) = Format::parse_header(&names) {
                self.headers += 1;
                if self.user.is_none() {
                    let origin = FormatOrigin::Header(line);
                    let compiled = Compiled::new(format, origin, &mut dataset.table);
                    self.activate(dataset, compiled);
                }
                return;
            }
        }
        if self.current.is_none() {
            if let Some(user) = self.user.clone() {
                self.activate(dataset, user);
            } else if count == 14 {
                let origin = FormatOrigin::Default;
                let compiled = Compiled::new(Format::default_v2(), origin, &mut dataset.table);
                self.activate(dataset, compiled);
            } else {
                let message = format!(
                    "line has {count} fields and no header line names the format; \
                     the default format has 14: give the format (--format)"
                );
                self.bad_line(dataset, DiagnosticKind::NoFormat, line, message);
                return;
            }
        }
        let Some(compiled) = self.current.take() else {
            return;
        };
        let result = self.parse_record(dataset, &compiled, fields);
        self.current = Some(compiled);
        if let Err((kind, message)) = result {
            self.bad_line(dataset, kind, line, message);
        }
    }

    /// Parses and stores one record in the current format.
    pub(super) fn parse_record(
        &mut self,
        dataset: &mut Dataset,
        compiled: &Compiled,
        fields: &Fields<'_>,
    ) -> Result<(), (DiagnosticKind, String)> {
        let count = fields.len();
        if count != compiled.slots.len() {
            let message = format!(
                "expected {} fields ({}), found {count}",
                compiled.slots.len(),
                compiled.describe()
            );
            return Err((DiagnosticKind::FieldCount, message));
        }
        let values = self
            .parse_values(dataset, compiled, fields.line, fields.spans.iter().copied())
            .map_err(|(i, bad)| {
                let name = compiled
                    .format
                    .columns()
                    .get(i)
                    .map(Column::name)
                    .unwrap_or("?");
                let message = format!("field `{name}`: {}", bad.message(fields.get(i)));
                (DiagnosticKind::BadField, message)
            })?;
        if self.max_records.is_some_and(|max| dataset.records() >= max) {
            self.limit_reached(dataset);
            return Ok(());
        }
        self.store(dataset, &values, fields.line);
        Ok(())
    }

    /// Parses and stores one record of the current format when it has the format's
    /// number of fields (at most [`FAST_FIELDS`], their ends kept on the stack), every
    /// field is well formed and the record limit is not near; returns false otherwise,
    /// having stored nothing, and the line is read again the careful way
    /// ([`LineParser::parse_record`]), which says what is wrong. Both parse with
    /// [`LineParser::parse_values`]; parsing twice has no other effect (addresses are
    /// interned either way).
    #[inline]
    pub(super) fn parse_record_fast(
        &mut self,
        dataset: &mut Dataset,
        compiled: &Compiled,
        text: &[u8],
    ) -> bool {
        if self.max_records.is_some_and(|max| dataset.records() >= max) {
            return false;
        }
        let mut ends = [0u32; FAST_FIELDS];
        if field_ends(text, &mut ends) != Some(compiled.slots.len()) {
            return false;
        }
        // Each field starts one byte (the separator) after the one before ends.
        let mut start = 0;
        let spans = ends.iter().map(|&end| {
            let span = (start, end as usize);
            start = end as usize + 1;
            span
        });
        let Ok(values) = self.parse_values(dataset, compiled, text, spans) else {
            return false;
        };
        self.store(dataset, &values, text);
        true
    }

    /// Parses the fields of `line` into values and [`LineParser::text_values`], one for
    /// each slot of `compiled`: each field is `line[start..end]` of its span. The index
    /// of the first bad field and what is wrong with it otherwise.
    #[inline]
    pub(super) fn parse_values(
        &mut self,
        dataset: &mut Dataset,
        compiled: &Compiled,
        line: &[u8],
        spans: impl Iterator<Item = (usize, usize)>,
    ) -> Result<CoreValues, (usize, Bad)> {
        let mut values = CoreValues::default();
        self.text_values.clear();
        for (i, (slot, span)) in compiled.slots.iter().zip(spans).enumerate() {
            let raw = line.get(span.0..span.1).unwrap_or(&[]);
            let target = Target {
                values: &mut values,
                text: &mut self.text_values,
                addr_cache: &mut self.addr_cache,
                repeat_ok: compiled.distinct_text,
            };
            parse_slot(&mut dataset.table, *slot, raw, target, span).map_err(|bad| (i, bad))?;
        }
        Ok(values)
    }

    /// Appends a parsed record (`values` and the text values noted for `line`).
    #[inline]
    pub(super) fn store(&mut self, dataset: &mut Dataset, values: &CoreValues, line: &[u8]) {
        let Ok(row) = dataset.table.try_push(values) else {
            self.out_of_memory(dataset);
            return;
        };
        for &(index, value) in &self.text_values {
            match value {
                TextValue::Missing => dataset.table.push_text_raw(index, row, None),
                TextValue::Repeat => dataset.table.push_text_repeat(index, row),
                TextValue::Field(start, end) => {
                    let raw = line.get(start..end).unwrap_or(&[]);
                    dataset.table.push_text_raw(index, row, Some(raw));
                }
            }
        }
        self.records += 1;
        match values.log_status {
            Some(LogStatus::NoData) => self.nodata += 1,
            Some(LogStatus::SkipData) => self.skipdata += 1,
            _ => {}
        }
    }

    /// Makes `compiled` the current format; text columns it lacks become missing.
    pub(super) fn activate(&mut self, dataset: &mut Dataset, compiled: Compiled) {
        let row = dataset.table.len() as u32;
        dataset
            .table
            .mark_missing_except(&compiled.text_columns, row);
        dataset.formats_push(row, compiled.format.clone());
        if self.format_source == FormatSource::None {
            self.format_source = match compiled.origin {
                FormatOrigin::User => FormatSource::Given,
                FormatOrigin::Header(_) => FormatSource::Header,
                FormatOrigin::Columns => FormatSource::Columns,
                FormatOrigin::Default => FormatSource::Default,
            };
        }
        self.current = Some(Box::new(compiled));
    }
}

/// A text field of the record being parsed.
#[derive(Clone, Copy, Debug)]
pub(super) enum TextValue {
    /// `-`.
    Missing,
    /// The same bytes as the column's last value.
    Repeat,
    /// The field at `start..end` of the line.
    Field(usize, usize),
}

/// Where [`parse_slot`] puts what it parses.
pub(super) struct Target<'a> {
    pub(super) values: &'a mut CoreValues,
    /// Text columns of the record with their values.
    pub(super) text: &'a mut Vec<(usize, TextValue)>,
    /// A value equal to its column's last may be noted as [`TextValue::Repeat`].
    pub(super) repeat_ok: bool,
    /// Ids of address texts already seen.
    pub(super) addr_cache: &'a mut AddrCache,
}

/// Parses field `raw` into its slot; text fields are validated and noted.
#[inline(always)]
pub(super) fn parse_slot(
    table: &mut FlowTable,
    slot: Slot,
    raw: &[u8],
    target: Target<'_>,
    span: (usize, usize),
) -> Result<(), Bad> {
    let Target {
        values,
        text,
        addr_cache,
        repeat_ok,
    } = target;
    match slot {
        Slot::Srcaddr => values.srcaddr = addr_cache.id(table, raw)?,
        Slot::Dstaddr => values.dstaddr = addr_cache.id(table, raw)?,
        Slot::Srcport => values.srcport = parse_small(raw, u16::MAX.into())?.map(|v| v as u16),
        Slot::Dstport => values.dstport = parse_small(raw, u16::MAX.into())?.map(|v| v as u16),
        Slot::Protocol => values.protocol = parse_small(raw, u8::MAX.into())?.map(|v| v as u8),
        Slot::Packets => values.packets = parse_u64(raw)?,
        Slot::Bytes => values.bytes = parse_u64(raw)?,
        Slot::Start => values.start_secs = parse_time(raw)?,
        Slot::End => values.end_secs = parse_time(raw)?,
        Slot::Action => {
            values.action = match raw {
                b"ACCEPT" => Some(Action::Accept),
                b"REJECT" => Some(Action::Reject),
                b"-" => None,
                _ => return Err(Bad::NotAction),
            }
        }
        Slot::LogStatus => {
            values.log_status = match raw {
                b"OK" => Some(LogStatus::Ok),
                b"NODATA" => Some(LogStatus::NoData),
                b"SKIPDATA" => Some(LogStatus::SkipData),
                b"-" => None,
                _ => return Err(Bad::NotStatus),
            }
        }
        Slot::Text(index, kind) => {
            if raw == b"-" {
                text.push((index, TextValue::Missing));
                return Ok(());
            }
            if table.text_is_last(index, raw) {
                let value = if repeat_ok {
                    TextValue::Repeat
                } else {
                    TextValue::Field(span.0, span.1)
                };
                text.push((index, value));
                return Ok(());
            }
            match kind {
                FieldKind::Int => {
                    parse_u64(raw)?;
                }
                FieldKind::Addr => {
                    if parse_addr(raw).is_none() {
                        return Err(Bad::NotAddr);
                    }
                }
                FieldKind::Text => {
                    if raw.is_empty() {
                        return Err(Bad::Empty);
                    }
                    if std::str::from_utf8(raw).is_err() {
                        return Err(Bad::NotUtf8);
                    }
                }
            }
            text.push((index, TextValue::Field(span.0, span.1)));
        }
    }
    Ok(())
}
