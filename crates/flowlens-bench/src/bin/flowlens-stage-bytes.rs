//! Bytes each stage of the page's worker needs on top of the records it holds: the
//! example (a week, or the ~50 M-record month of `scripts/month.sh`) read as the worker
//! reads it, then the first answer (the prepared parts, the sources table and the
//! report, as the worker keeps them) and the hunt, each with the peak of bytes held
//! while it ran. In the page, WebAssembly memory never shrinks: its size is the
//! highest of these peaks, so this says which stage sets it.
//!
//!   cargo run --release -p flowlens-bench --bin flowlens-stage-bytes -- [--scale N]
//!       [--days N] [--scanners unique|N]
//!
//! The default is the month: `--scale 80 --days 30 --scanners 50000`.

use flowlens_bench::Counting;
use flowlens_core::analysis::report::{analyze_prepared, Prepared};
use flowlens_core::analysis::sources::SourcesTable;
use flowlens_core::analysis::{Query, TimeRange};
use flowlens_core::example::{generate, ExampleOptions, Scanners};
use flowlens_core::flow::{Dataset, FileReader, MemoryBudget, ReadOptions};
use flowlens_core::hunt::{hunt, HuntOptions};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: f64 = 1024.0 * 1024.0;

fn mib(bytes: usize) -> String {
    format!("{:>8.0} MiB", bytes as f64 / MIB)
}

fn main() {
    use flowlens_bench::{flag, flag_or};
    let scanners = match flag("--scanners").as_deref() {
        Some("unique") => Scanners::Unique,
        Some(n) => Scanners::Pool(n.parse().unwrap_or(50_000)),
        None => Scanners::Pool(50_000),
    };
    let options = ExampleOptions {
        scale: flag_or("--scale", 80),
        days: flag_or("--days", 30),
        scanners,
        ..ExampleOptions::default()
    };

    // Read as the worker does: file by file, appended within the page's budget.
    let budget = MemoryBudget::PAGE;
    let mut all = Dataset::default();
    flowlens_bench::reset_peak();
    generate(&options, |file| {
        let mut one = Dataset::default();
        let mut reader = FileReader::new(&mut one, &file.path, &ReadOptions::default());
        reader.push(&mut one, &file.text);
        reader.finish(&mut one);
        all.append_within(one, &budget);
    });
    let read_peak = flowlens_bench::peak();
    let held = flowlens_bench::held();
    println!(
        "{} records, {} addresses (budget: {} records, {} bytes)",
        all.records(),
        all.table.addrs.id_count().saturating_sub(1),
        budget.records,
        budget.bytes
    );
    println!("{:<44} {}", "held after reading", mib(held));
    println!("{:<44} {}", "peak while reading", mib(read_peak));

    // The first answer, kept as the worker keeps it (its cache).
    flowlens_bench::reset_peak();
    let prepared = Prepared::new(&all, None);
    let after_prepared = flowlens_bench::held();
    let sources = SourcesTable::new(&all, &TimeRange::ALL, &[]);
    let after_sources = flowlens_bench::held();
    let report = analyze_prepared(&all, &Query::default(), &sources, &prepared);
    let answer_peak = flowlens_bench::peak();
    println!(
        "{:<44} {}",
        "the answer: prepared parts kept",
        mib(after_prepared - held)
    );
    println!(
        "{:<44} {}",
        "the answer: sources table kept",
        mib(after_sources - after_prepared)
    );
    println!(
        "{:<44} {}",
        "the answer: peak above the records",
        mib(answer_peak - held)
    );

    // The hunt, with the answer's cache still held (as in the worker, which keeps the
    // last report too: the report downloaded after the hunt is that one, not made
    // again).
    let before_hunt = flowlens_bench::held();
    flowlens_bench::reset_peak();
    let found = hunt(&all, &HuntOptions::default());
    let hunt_peak = flowlens_bench::peak();
    println!(
        "{:<44} {}",
        "the hunt: peak above what was held",
        mib(hunt_peak - before_hunt)
    );
    println!(
        "{:<44} {}  ({} findings)",
        "highest peak (what WebAssembly memory needs)",
        mib(read_peak.max(answer_peak).max(hunt_peak)),
        found.findings.len()
    );
    drop(report);
}
