//! The files the user gives: from the file and folder pickers, and from a drop (files,
//! or folders walked recursively through `webkitGetAsEntry()`). Each file keeps a
//! name for diagnostics: its path inside the dropped or picked folder where there is
//! one. Files are sorted by that name, as the CLI sorts the paths it walks.

use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DataTransfer, File, FileList, FileSystemDirectoryEntry, FileSystemDirectoryReader,
    FileSystemEntry, FileSystemFileEntry,
};

use super::channel::describe;

/// A file and the name it goes by.
#[derive(Clone, Debug, PartialEq)]
pub struct Picked {
    /// The file (a handle: its bytes stay on disk until the worker reads them).
    pub file: File,
    /// Its path inside a picked or dropped folder, else its name.
    pub name: String,
}

/// What a drop holds, taken during the drop event (the browser empties the
/// `DataTransfer` once the event is over).
pub struct Dropped {
    entries: Vec<FileSystemEntry>,
    files: Vec<File>,
}

/// The files of a file list (a file or folder `<input>`).
pub fn from_file_list(list: &FileList) -> Vec<Picked> {
    let mut picked: Vec<Picked> = (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|file| {
            // NOTE: `webkitRelativePath` is set for folder pickers; web-sys has no
            // binding for it.
            let relative = Reflect::get(&file, &"webkitRelativePath".into())
                .ok()
                .and_then(|v| v.as_string())
                .filter(|p| !p.is_empty());
            let name = relative.unwrap_or_else(|| file.name());
            Picked { file, name }
        })
        .collect();
    sort(&mut picked);
    picked
}

/// Takes what a drop holds; call it inside the drop event handler.
pub fn take_drop(transfer: &DataTransfer) -> Dropped {
    let mut dropped = Dropped {
        entries: Vec::new(),
        files: Vec::new(),
    };
    let items = transfer.items();
    for i in 0..items.length() {
        let Some(item) = items.get(i) else { continue };
        if item.kind() != "file" {
            continue;
        }
        match item.webkit_get_as_entry() {
            Ok(Some(entry)) => dropped.entries.push(entry),
            _ => {
                if let Ok(Some(file)) = item.get_as_file() {
                    dropped.files.push(file);
                }
            }
        }
    }
    if dropped.entries.is_empty() && dropped.files.is_empty() {
        if let Some(list) = transfer.files() {
            dropped
                .files
                .extend((0..list.length()).filter_map(|i| list.item(i)));
        }
    }
    dropped
}

/// Walks the dropped entries (folders recursively) into files; entries that cannot
/// be read are listed as problems.
pub async fn walk(dropped: Dropped) -> (Vec<Picked>, Vec<String>) {
    let mut picked: Vec<Picked> = dropped
        .files
        .into_iter()
        .map(|file| Picked {
            name: file.name(),
            file,
        })
        .collect();
    let mut problems = Vec::new();
    let mut stack = dropped.entries;
    while let Some(entry) = stack.pop() {
        let path = entry_path(&entry);
        if entry.is_directory() {
            let directory: FileSystemDirectoryEntry = entry.unchecked_into();
            match read_directory(&directory.create_reader()).await {
                Ok(children) => stack.extend(children),
                Err(err) => problems.push(format!("{path}: the folder cannot be read: {err}")),
            }
        } else if entry.is_file() {
            let file_entry: FileSystemFileEntry = entry.unchecked_into();
            match entry_file(&file_entry).await {
                Ok(file) => picked.push(Picked { file, name: path }),
                Err(err) => problems.push(format!("{path}: cannot be read: {err}")),
            }
        }
    }
    sort(&mut picked);
    (picked, problems)
}

/// The files as a JS array and their names, ready to post.
pub fn to_post(picked: &[Picked]) -> (Array, Vec<String>) {
    let files = Array::new();
    let mut names = Vec::with_capacity(picked.len());
    for p in picked {
        files.push(&p.file);
        names.push(p.name.clone());
    }
    (files, names)
}

fn sort(picked: &mut [Picked]) {
    picked.sort_by(|a, b| a.name.cmp(&b.name));
}

/// `AWSLogs/…/file.log.gz`: the entry's path in the drop, without the leading `/`.
fn entry_path(entry: &FileSystemEntry) -> String {
    let full = entry.full_path();
    match full.strip_prefix('/') {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => entry.name(),
    }
}

/// Every entry of a folder: `readEntries` returns them in batches until an empty one.
async fn read_directory(
    reader: &FileSystemDirectoryReader,
) -> Result<Vec<FileSystemEntry>, String> {
    let mut all = Vec::new();
    loop {
        let promise = Promise::new(&mut |resolve, reject| {
            if let Err(err) = reader.read_entries_with_callback_and_callback(&resolve, &reject) {
                let _ = reject.call1(&wasm_bindgen::JsValue::NULL, &err);
            }
        });
        let batch = JsFuture::from(promise).await.map_err(|e| describe(&e))?;
        let batch = Array::from(&batch);
        if batch.length() == 0 {
            return Ok(all);
        }
        // NOTE: unchecked: Chromium does not expose `FileSystemEntry` as a global, so
        // an `instanceof` check would fail on real entries.
        all.extend(batch.iter().map(|e| e.unchecked_into::<FileSystemEntry>()));
    }
}

/// The `File` of a file entry.
async fn entry_file(entry: &FileSystemFileEntry) -> Result<File, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        entry.file_with_callback_and_callback(&resolve, &reject);
    });
    let value = JsFuture::from(promise).await.map_err(|e| describe(&e))?;
    value
        .dyn_into::<File>()
        .map_err(|_| "the browser gave something other than a file".to_string())
}
/// Where the format box's text is kept between visits (this browser only).
const FORMAT_KEY: &str = "flowlens.format";

/// The record format last typed in the format box (for files without a header:
/// CloudWatch Logs, Firehose), if any.
pub fn remembered_format() -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage
        .get_item(FORMAT_KEY)
        .ok()?
        .filter(|f| !f.trim().is_empty())
}

/// Keeps `format` for the next reads and visits (empty forgets it).
pub fn remember_format(format: &str) {
    let Some(Ok(Some(storage))) = web_sys::window().map(|w| w.local_storage()) else {
        return;
    };
    // NOTE: storage may be refused (private windows, quota): the box then applies to
    // this visit's reads only when typed again; nothing else depends on it.
    let _ = if format.trim().is_empty() {
        storage.remove_item(FORMAT_KEY)
    } else {
        storage.set_item(FORMAT_KEY, format.trim())
    };
}
