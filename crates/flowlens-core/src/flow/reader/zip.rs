//! ZIP archives of flow logs (a downloaded folder, zipped): every member is read as a
//! file of its own, named `archive.zip/path/in/archive`, whatever form it is in
//! (gzip, text, Parquet, JSON, another ZIP). Folders nest.
//!
//! Guards against ZIP bombs: a member that claims or turns out to unpack to more than
//! [`MAX_MEMBER_BYTES`], or more than [`MAX_RATIO`] times its packed size, is not read,
//! and an archive stops at [`MAX_ARCHIVE_BYTES`] unpacked; each is a diagnostic with
//! the numbers. Archives inside archives are read [`MAX_DEPTH`] deep.

use std::io::{Cursor, Read};

use super::{FileReader, ReadOptions};
use crate::flow::dataset::Dataset;
use crate::flow::diagnostic::{Diagnostic, DiagnosticKind};

/// Most bytes one member may unpack to.
pub(super) const MAX_MEMBER_BYTES: u64 = 1024 * 1024 * 1024;
/// Most bytes a whole archive may unpack to.
pub(super) const MAX_ARCHIVE_BYTES: u64 = 8 * 1024 * 1024 * 1024;
/// Most a member may unpack to per packed byte (deflate reaches ~1,000 only on
/// crafted or constant data; flow-log text packs 10 to 20 times).
pub(super) const MAX_RATIO: u64 = 200;
/// Archives inside archives read.
pub(super) const MAX_DEPTH: u32 = 4;

/// Bytes handed to a member's reader at a time.
const CHUNK_BYTES: usize = 256 * 1024;

/// Reads every member of the archive `bytes` (named `name`) into `dataset`; false
/// when the archive itself could not be read (a diagnostic says why).
// NOTE: never inlined (nor by wasm-opt: see index.html): inlined, it made
// `FileReader::finish`, called once a file, 112 KB of wasm, which V8 compiled with
// TurboFan in every page load (0.4 s of CPU) for a few milliseconds of running.
#[inline(never)]
pub(super) fn read(
    dataset: &mut Dataset,
    name: &str,
    bytes: &[u8],
    options: &ReadOptions,
    depth: u32,
) -> bool {
    let note = |dataset: &mut Dataset, kind, message: String| {
        dataset
            .diagnostics
            .push(Diagnostic::new(kind, name, message));
    };
    if depth >= MAX_DEPTH {
        let message = format!("is a ZIP archive inside {MAX_DEPTH} others: not read");
        note(dataset, DiagnosticKind::ArchiveLimit, message);
        return false;
    }
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(err) => {
            note(
                dataset,
                DiagnosticKind::Damaged,
                format!("is a damaged ZIP archive: {err}"),
            );
            return false;
        }
    };
    let mut unpacked_total: u64 = 0;
    let mut buf = vec![0u8; CHUNK_BYTES];
    for index in 0..archive.len() {
        let mut member = match archive.by_index(index) {
            Ok(member) => member,
            Err(err) => {
                let message = format!("member {index} cannot be read: {err}");
                note(dataset, DiagnosticKind::Damaged, message);
                continue;
            }
        };
        if member.is_dir() {
            continue;
        }
        let member_name = format!("{name}/{}", member.name());
        let claimed = member.size();
        let packed = member.compressed_size().max(1);
        let limit = MAX_MEMBER_BYTES.min(packed.saturating_mul(MAX_RATIO));
        let refuse = |dataset: &mut Dataset, why: String| {
            let d = Diagnostic::new(DiagnosticKind::ArchiveLimit, &member_name, why);
            dataset.diagnostics.push(d);
        };
        // Every member is a file of the data set, read or not.
        let mut reader = FileReader::nested(dataset, &member_name, options, depth + 1);
        if claimed > limit {
            refuse(dataset, limit_words(claimed, packed));
            reader.stop();
            reader.finish(dataset);
            continue;
        }
        if unpacked_total.saturating_add(claimed) > MAX_ARCHIVE_BYTES {
            let message = format!(
                "not read: the archive unpacks to more than {} GiB; the members from here on were not read",
                MAX_ARCHIVE_BYTES >> 30
            );
            refuse(dataset, message);
            reader.stop();
            reader.finish(dataset);
            break;
        }
        let mut unpacked: u64 = 0;
        loop {
            match member.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    unpacked += n as u64;
                    if unpacked > limit {
                        // The header lied: the data unpacks to more than it claimed.
                        refuse(dataset, limit_words(unpacked, packed));
                        reader.stop();
                        break;
                    }
                    reader.push(dataset, buf.get(..n).unwrap_or(&[]));
                    if reader.is_stopped() {
                        break;
                    }
                }
                Err(err) => {
                    let d = Diagnostic::new(
                        DiagnosticKind::Damaged,
                        &member_name,
                        format!(
                            "is damaged in the archive: {err}; records before the damage were kept"
                        ),
                    );
                    dataset.diagnostics.push(d);
                    reader.stop();
                    break;
                }
            }
        }
        unpacked_total = unpacked_total.saturating_add(unpacked);
        reader.finish(dataset);
    }
    true
}

fn limit_words(unpacked: u64, packed: u64) -> String {
    format!(
        "not read: it unpacks to {unpacked} bytes from {packed} ({}:1), beyond flowlens's guards against ZIP bombs ({} GiB a member, {MAX_RATIO}:1)",
        unpacked / packed.max(1),
        MAX_MEMBER_BYTES >> 30
    )
}
