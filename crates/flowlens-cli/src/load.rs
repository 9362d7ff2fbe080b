//! Reading paths into a [`Dataset`] with every core: files are read in parallel, one
//! data set per file, and joined in path order so the result never depends on timing.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use flowlens_core::flow::diagnostic::DiagnosticKind::Unreadable;
use flowlens_core::flow::{Dataset, Diagnostic, FileReader, ReadOptions};

/// Size of each read from a file.
const CHUNK_BYTES: usize = 256 * 1024;

/// The files under `paths` (folders walked recursively, sorted), plus diagnostics
/// for paths that cannot be listed.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        walk(path, &mut files, &mut problems);
    }
    (files, problems)
}

fn walk(path: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<Diagnostic>) {
    let problem = |err: io::Error| {
        let file = path.display().to_string();
        Diagnostic::new(Unreadable, &file, format!("cannot be read: {err}"))
    };
    match std::fs::metadata(path) {
        Err(err) => problems.push(problem(err)),
        Ok(meta) if meta.is_dir() => match std::fs::read_dir(path) {
            Err(err) => problems.push(problem(err)),
            Ok(entries) => {
                let mut children: Vec<PathBuf> =
                    entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                children.sort();
                for child in children {
                    walk(&child, files, problems);
                }
            }
        },
        Ok(_) => files.push(path.to_path_buf()),
    }
}

/// Reads one file into its own data set.
fn read_file(path: &Path, options: &ReadOptions) -> Dataset {
    let mut dataset = Dataset::default();
    let name = path.display().to_string();
    let mut reader = FileReader::new(&mut dataset, &name, options);
    let mut buf = vec![0u8; CHUNK_BYTES];
    match File::open(path) {
        Err(err) => {
            let message = format!("cannot be opened: {err}");
            dataset
                .diagnostics
                .push(Diagnostic::new(Unreadable, &name, message));
        }
        Ok(mut file) => loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    reader.push(&mut dataset, buf.get(..n).unwrap_or(&[]));
                    if reader.is_stopped() {
                        break;
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => {
                    let message = format!("read failed: {err}; records before it were kept");
                    dataset
                        .diagnostics
                        .push(Diagnostic::new(Unreadable, &name, message));
                    break;
                }
            }
        },
    }
    reader.finish(&mut dataset);
    dataset
}

/// Reads `files` on every core and hands each file's data set to `each`, in order.
pub fn read_files_in_order(
    files: &[PathBuf],
    options: &ReadOptions,
    mut each: impl FnMut(Dataset) -> io::Result<()>,
) -> io::Result<()> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let next = AtomicUsize::new(0);
    // Bounded so that a slow consumer (a pipe) holds back the readers.
    let (tx, rx) = mpsc::sync_channel::<(usize, Dataset)>(workers * 4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(i) else { break };
                if tx.send((i, read_file(path, options))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Owned here so that an early return drops it and unblocks the readers.
        let rx = rx;
        let mut pending = BTreeMap::new();
        let mut want = 0;
        for (i, dataset) in rx.iter() {
            pending.insert(i, dataset);
            while let Some(ds) = pending.remove(&want) {
                want += 1;
                // On an error (a closed pipe) stop taking results; the readers stop
                // when their sends fail.
                each(ds)?;
            }
        }
        Ok(())
    })
}

/// Reads every path into one data set.
pub fn load(paths: &[PathBuf], options: &ReadOptions) -> Dataset {
    let (files, problems) = collect_files(paths);
    let mut dataset = Dataset::default();
    dataset.diagnostics.extend(problems);
    let _ = read_files_in_order(&files, options, |ds| {
        dataset.append(ds);
        Ok(())
    });
    dataset.table.shrink_to_fit();
    dataset
}
