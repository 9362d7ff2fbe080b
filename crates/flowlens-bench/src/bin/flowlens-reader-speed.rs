//! Reader throughput, natively and inside WebAssembly (issue 5): the same core reader
//! on the same bytes, so the two figures compare; and the time of the two analyses the
//! page runs first (the whole data, and the 02:00 window of the example week), since
//! what is faster natively is not always faster in the page. A benchmark, not part of
//! the page.
//!
//! Natively, `cargo run --release --bin flowlens-reader-speed -- [--scale N]
//! [--runs N] [--reserve N|auto] [--data DIR [--files N]]` prints MB/s of text (median
//! and best run) for plain text, for gzip (inflate and parse) and for inflating alone;
//! `--write DIR` writes the example week at `--scale` as `.log.gz` files instead.
//! Built for wasm32, the binary exports a small [`Corpus`] API that
//! `scripts/compare/wasm-reader.mjs` drives in headless Chromium, timing each call with
//! `performance.now()` (`bash scripts/wasm-reader.sh` builds and runs both). The data
//! is the example week (`flowlens_core::example::generate`, seed 7, read in 256 KiB chunks
//! like `benches/reader.rs`) or the `.log.gz` files of a directory.

use flowlens_core::analysis::{analyze, Query, TimeRange, WINDOW_SECS};
use flowlens_core::flow::gzip::GzipDecoder;
use flowlens_core::flow::{Dataset, FileReader, ReadOptions};

/// The window the analysis is timed on besides the whole data: 2020-09-16 02:00 UTC,
/// where the example week's suspect first shows.
const WINDOW_START: u32 = 1_600_221_600;

/// Analyses `dataset` as the page does first: the whole data, or with `window` the
/// 02:00 window. Returns the number of sources (so that nothing is optimised away).
fn analyze_once(dataset: &Dataset, window: bool) -> usize {
    let query = Query {
        range: if window {
            TimeRange::starting_at(WINDOW_START, WINDOW_SECS)
        } else {
            TimeRange::ALL
        },
        ..Query::default()
    };
    analyze(dataset, &query).sources.total as usize
}

/// Chunk size the reader is fed with (as `benches/reader.rs`).
pub const CHUNK: usize = 256 * 1024;

/// Files held in memory, as (name, bytes).
#[cfg_attr(target_arch = "wasm32", wasm_bindgen::prelude::wasm_bindgen)]
#[derive(Default)]
pub struct Corpus {
    files: Vec<(String, Vec<u8>)>,
}

impl Corpus {
    /// The example week at `scale` (text).
    fn example(scale: u32, seed: u64) -> Corpus {
        let mut files = Vec::new();
        flowlens_core::example::generate(
            &flowlens_core::example::ExampleOptions {
                scale,
                seed,
                ..Default::default()
            },
            |f| files.push((f.path, f.text)),
        );
        Corpus { files }
    }

    /// Reads every file in `chunk`-byte pieces into a fresh data set, optionally
    /// reserving room for `reserve` records first; returns the data set.
    fn read_dataset(&self, chunk: usize, reserve: u32) -> Dataset {
        let mut ds = Dataset::default();
        if reserve > 0 {
            // Room asked for up front; without it the columns grow as they go.
            let _ = ds.try_reserve(reserve as usize);
        }
        let options = ReadOptions::default();
        for (name, bytes) in &self.files {
            let mut r = FileReader::new(&mut ds, name, &options);
            for piece in bytes.chunks(chunk.max(1)) {
                r.push(&mut ds, piece);
            }
            r.finish(&mut ds);
        }
        ds
    }

    /// Inflates every (gzip) file alone; returns the text bytes, or an error.
    fn inflate_all(&self, chunk: usize) -> Result<u64, String> {
        let mut total = 0u64;
        let mut out = Vec::with_capacity(2 * CHUNK);
        for (_, bytes) in &self.files {
            let mut decoder = GzipDecoder::default();
            for piece in bytes.chunks(chunk.max(1)) {
                out.clear();
                decoder.push(piece, &mut out).map_err(|e| e.to_string())?;
                total += out.len() as u64;
            }
            decoder.finish().map_err(|e| e.to_string())?;
        }
        Ok(total)
    }
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    //! The exports the benchmark script calls.
    use super::{Corpus, CHUNK};
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    impl Corpus {
        /// An empty corpus.
        #[wasm_bindgen(constructor)]
        pub fn new() -> Corpus {
            Corpus::default()
        }

        /// The example week at `scale` with `seed` (text files).
        pub fn generate(scale: u32, seed: u32) -> Corpus {
            Corpus::example(scale, u64::from(seed))
        }

        /// Adds a file (copied into wasm memory).
        pub fn add(&mut self, name: String, bytes: Vec<u8>) {
            self.files.push((name, bytes));
        }

        /// The same files gzip-compressed (fast level, as `flowlens example` writes).
        pub fn gzipped(&self) -> Corpus {
            Corpus {
                files: self
                    .files
                    .iter()
                    .map(|(n, t)| (n.clone(), flowlens_core::example::gzip(t)))
                    .collect(),
            }
        }

        /// Number of files.
        pub fn count(&self) -> usize {
            self.files.len()
        }

        /// Name of file `i` (empty past the end).
        pub fn name(&self, i: usize) -> String {
            self.files.get(i).map(|f| f.0.clone()).unwrap_or_default()
        }

        /// Bytes of file `i` (a copy; empty past the end).
        pub fn bytes(&self, i: usize) -> Vec<u8> {
            self.files.get(i).map(|f| f.1.clone()).unwrap_or_default()
        }

        /// Total bytes held.
        pub fn total_bytes(&self) -> f64 {
            self.files.iter().map(|f| f.1.len() as f64).sum()
        }

        /// Reads everything (256 KiB chunks); returns `[records, text bytes, table
        /// heap bytes]`. `reserve` > 0 reserves that many records first.
        pub fn read(&self, reserve: u32) -> Vec<f64> {
            let ds = self.read_dataset(CHUNK, reserve);
            let text: u64 = ds.files.iter().map(|f| f.text_bytes).sum();
            vec![
                ds.records() as f64,
                text as f64,
                ds.table.heap_bytes() as f64,
            ]
        }

        /// Inflates every file alone; returns the text bytes (-1 on damage).
        pub fn inflate(&self) -> f64 {
            self.inflate_all(CHUNK).map_or(-1.0, |n| n as f64)
        }

        /// Reads everything into a data set that is kept, for timing the analysis.
        pub fn load(&self) -> Loaded {
            Loaded {
                dataset: self.read_dataset(CHUNK, 0),
            }
        }
    }

    /// A data set read once, analysed many times.
    #[wasm_bindgen]
    pub struct Loaded {
        dataset: flowlens_core::flow::Dataset,
    }

    #[wasm_bindgen]
    impl Loaded {
        /// Runs the analysis (the whole data, or with `window` the 02:00 window);
        /// returns the number of sources.
        pub fn analyze(&self, window: bool) -> usize {
            super::analyze_once(&self.dataset, window)
        }
    }

    /// Reads text pushed from JavaScript chunk by chunk (as the page's reading worker
    /// does after `DecompressionStream`).
    #[wasm_bindgen]
    pub struct Pushed {
        ds: flowlens_core::flow::Dataset,
        reader: Option<flowlens_core::flow::FileReader>,
        options: flowlens_core::flow::ReadOptions,
    }

    #[wasm_bindgen]
    impl Pushed {
        /// An empty data set.
        #[wasm_bindgen(constructor)]
        pub fn new() -> Pushed {
            Pushed {
                ds: flowlens_core::flow::Dataset::default(),
                reader: None,
                options: flowlens_core::flow::ReadOptions::default(),
            }
        }

        /// Starts a file whose chunks will be decompressed text.
        pub fn open_text(&mut self, name: &str) {
            self.close();
            self.reader = Some(flowlens_core::flow::FileReader::new_text(
                &mut self.ds,
                name,
                &self.options,
            ));
        }

        /// Reads a chunk of the current file.
        pub fn push(&mut self, chunk: &[u8]) {
            if let Some(r) = &mut self.reader {
                r.push_text(&mut self.ds, chunk);
            }
        }

        /// Ends the current file.
        pub fn close(&mut self) {
            if let Some(r) = self.reader.take() {
                r.finish(&mut self.ds);
            }
        }

        /// Records read so far.
        pub fn records(&self) -> f64 {
            self.ds.records() as f64
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use flowlens_bench::{flag, flag_or};
    use std::time::Instant;
    let scale: u32 = flag_or("--scale", 2);
    let runs: usize = flag_or("--runs", 5);
    let reserve_arg = flag("--reserve");
    if let Some(dir) = flag("--write") {
        // The benchmark's data: the example week at `scale` as .log.gz files, so that
        // the native and the wasm runs read the same bytes.
        let mut written = 0usize;
        let mut failed = None;
        flowlens_core::example::generate(
            &flowlens_core::example::ExampleOptions {
                scale,
                seed: 7,
                ..Default::default()
            },
            |f| {
                let path = std::path::Path::new(&dir).join(&f.path);
                let result = path
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| std::fs::write(&path, flowlens_core::example::gzip(&f.text)));
                match result {
                    Ok(()) => written += 1,
                    Err(e) => failed = Some(format!("{}: {e}", path.display())),
                }
            },
        );
        if let Some(e) = failed {
            eprintln!("flowlens-reader-speed: {e}");
            std::process::exit(2);
        }
        println!("wrote {written} files under {dir}");
        return;
    }
    let (text, gz) = match flag("--data") {
        Some(dir) => match load_dir(
            std::path::Path::new(&dir),
            flag("--files").and_then(|s| s.parse().ok()),
        ) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("flowlens-reader-speed: {dir}: {e}");
                std::process::exit(2);
            }
        },
        None => {
            let text = Corpus::example(scale, 7);
            let gz = Corpus {
                files: text
                    .files
                    .iter()
                    .map(|(n, t)| (n.clone(), flowlens_core::example::gzip(t)))
                    .collect(),
            };
            (text, gz)
        }
    };
    // `auto`: exactly the records there are (found by a first read).
    let reserve: u32 = match reserve_arg.as_deref() {
        Some("auto") => u32::try_from(gz.read_dataset(CHUNK, 0).records()).unwrap_or(0),
        Some(n) => n.parse().unwrap_or(0),
        None => 0,
    };
    let text_bytes: usize = text.files.iter().map(|f| f.1.len()).sum();
    let gz_bytes: usize = gz.files.iter().map(|f| f.1.len()).sum();
    println!(
        "native: {} files, {:.1} MB text, {:.1} MB gzip, {runs} runs, reserve {reserve}",
        text.files.len(),
        text_bytes as f64 / 1e6,
        gz_bytes as f64 / 1e6
    );
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    // Median and best of `runs` timings, as MB/s of `bytes`.
    let time = |f: &dyn Fn() -> u64, bytes: usize| -> (String, u64) {
        let mut secs = Vec::new();
        let mut out = 0;
        for _ in 0..runs {
            let t = Instant::now();
            out = f();
            secs.push(t.elapsed().as_secs_f64());
        }
        let best = secs.iter().copied().fold(f64::INFINITY, f64::min);
        let mb = |s: f64| bytes as f64 / 1e6 / s;
        let m = median(secs);
        (format!("{:.1} MB/s (best {:.1})", mb(m), mb(best)), out)
    };
    let (rate, records) = time(&|| text.read_dataset(CHUNK, reserve).records(), text_bytes);
    println!("native text: {rate} ({records} records)");
    let (rate, records) = time(&|| gz.read_dataset(CHUNK, reserve).records(), text_bytes);
    println!("native gzip: {rate} of text ({records} records)");
    let (rate, out) = time(&|| gz.inflate_all(CHUNK).unwrap_or(0), text_bytes);
    println!("native inflate: {rate} of text ({out} bytes)");
    let dataset = text.read_dataset(CHUNK, 0);
    for (what, window) in [("whole data", false), ("02:00 window", true)] {
        let mut ms = Vec::new();
        let mut sources = 0;
        for _ in 0..runs {
            let t = Instant::now();
            sources = analyze_once(&dataset, window);
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let best = ms.iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "native analysis, {what}: {:.1} ms (best {best:.1}) ({sources} sources)",
            median(ms)
        );
    }
}

/// Reads every `*.log.gz` under `dir` (the first `limit` in name order); the text corpus is their inflated content.
#[cfg(not(target_arch = "wasm32"))]
fn load_dir(dir: &std::path::Path, limit: Option<usize>) -> std::io::Result<(Corpus, Corpus)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let p = e?.path();
            if p.is_dir() {
                walk(&p, out)?;
            } else if p.to_string_lossy().ends_with(".log.gz") {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths)?;
    paths.sort();
    paths.truncate(limit.unwrap_or(usize::MAX));
    let mut gz = Corpus::default();
    let mut text = Corpus::default();
    for p in paths {
        let name = p.to_string_lossy().into_owned();
        let bytes = std::fs::read(&p)?;
        let mut out = Vec::new();
        let mut decoder = GzipDecoder::default();
        decoder
            .push(&bytes, &mut out)
            .and_then(|()| decoder.finish())
            .map_err(std::io::Error::other)?;
        text.files
            .push((name.trim_end_matches(".gz").to_string(), out));
        gz.files.push((name, bytes));
    }
    Ok((text, gz))
}

#[cfg(target_arch = "wasm32")]
fn main() {}
