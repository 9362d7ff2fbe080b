//! The analysis on the example week at scale 2 (~300k records): the whole report, as
//! the CLI and the page compute it. Run with `cargo bench --bench analysis`.

// A failed unwrap in a test is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flowlens_core::analysis::{analyze, Query, TimeRange};
use flowlens_core::example::{generate, ExampleOptions};
use flowlens_core::flow::{read_bytes, Dataset, ReadOptions};

fn bench(c: &mut Criterion) {
    let mut ds = Dataset::default();
    generate(
        &ExampleOptions {
            scale: 2,
            seed: 7,
            ..ExampleOptions::default()
        },
        |f| read_bytes(&mut ds, &f.path, &f.text, &ReadOptions::default()),
    );
    let mut group = c.benchmark_group("analysis");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ds.records()));
    group.bench_function("report, whole week", |b| {
        b.iter(|| analyze(&ds, &Query::default()))
    });
    let window = Query {
        range: TimeRange::starting_at(1_600_221_600, 600),
        suspect: "201.48.16.81".parse().ok(),
        ..Query::default()
    };
    group.bench_function("report, one window", |b| b.iter(|| analyze(&ds, &window)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
