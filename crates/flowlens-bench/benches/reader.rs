//! Reader throughput on generated data: plain text (the parsing cost alone) and gzip
//! (what users give). Run with `cargo bench --bench reader`.

// A failed unwrap in a test is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flowlens_core::example::{generate, gzip, ExampleOptions};
use flowlens_core::flow::{Dataset, FileReader, ReadOptions};

/// The example week at scale 2 as (name, text) pairs: about 33 MB of text.
fn week_text() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    generate(
        &ExampleOptions {
            scale: 2,
            seed: 7,
            ..ExampleOptions::default()
        },
        |f| files.push((f.path, f.text)),
    );
    files
}

fn read_all(files: &[(String, Vec<u8>)]) -> Dataset {
    let mut ds = Dataset::default();
    let options = ReadOptions::default();
    for (name, bytes) in files {
        let mut r = FileReader::new(&mut ds, name, &options);
        for chunk in bytes.chunks(256 * 1024) {
            r.push(&mut ds, chunk);
        }
        r.finish(&mut ds);
    }
    ds
}

fn bench(c: &mut Criterion) {
    let text = week_text();
    let text_bytes: usize = text.iter().map(|(_, t)| t.len()).sum();
    let gz: Vec<(String, Vec<u8>)> = text.iter().map(|(n, t)| (n.clone(), gzip(t))).collect();

    let mut group = c.benchmark_group("reader");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text_bytes as u64));
    group.bench_function("text", |b| b.iter(|| read_all(&text)));
    group.bench_function("gzip", |b| b.iter(|| read_all(&gz)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
