//! Bytes per record the page's worker holds, on the weeks of issue 16 (about 9 million
//! records each: one with 50,000 scanner addresses, one with a new address for every
//! scanner event, ~2.5 million) and the example week, read as the worker reads them
//! (file by file, each appended within the page's memory budget, then shrunk). A
//! benchmark, not part of the page.
//!
//! `cargo run --release -p flowlens-bench --bin flowlens-record-bytes -- [--divide D]`
//! (the busy weeks' scale and scanner events divided by D, default 1) prints, for each
//! week, the records, the distinct addresses, and per record the bytes of the
//! fixed-width columns, the address table and the text columns, the data set's total
//! ([`Dataset::held_bytes`], after reading: what the budget counts) and, as a check, the bytes the
//! allocator holds for the data set. `scripts/record-bytes.sh` runs it at two commits
//! side by side.

use flowlens_bench::Counting;
use flowlens_core::example::{generate, ExampleOptions, Scanners};
use flowlens_core::flow::{Dataset, FileReader, FlowTable, MemoryBudget, ReadOptions};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The figures of one week.
struct Figures {
    records: u64,
    addresses: u64,
    columns: u64,
    addrs: u64,
    text: u64,
    held: u64,
    allocated: u64,
}

/// Reads the week of `options` file by file into a data set, as the worker does (each
/// file as it is generated: the week's text is never held whole).
fn measure(options: &ExampleOptions) -> Figures {
    let before = flowlens_bench::held();
    let mut all = Dataset::default();
    let budget = MemoryBudget::with_bytes(u64::MAX);
    generate(options, |file| {
        let mut one = Dataset::default();
        let mut reader = FileReader::new(&mut one, &file.path, &ReadOptions::default());
        reader.push(&mut one, &file.text);
        reader.finish(&mut one);
        all.append_within(one, &budget);
    });
    all.table.shrink_to_fit();
    let allocated = flowlens_bench::held().saturating_sub(before) as u64;
    let table = &all.table;
    let columns = table.columns_heap_bytes() as u64;
    let addrs = table.addrs.heap_bytes() as u64;
    let text = table.heap_bytes() as u64 - columns - addrs;
    let figures = Figures {
        records: all.records(),
        addresses: table.addrs.id_count() as u64 - 1,
        columns,
        addrs,
        text,
        held: all.held_bytes(),
        allocated,
    };
    drop(all);
    figures
}

fn main() {
    let divide = flowlens_bench::flag_or::<u32>("--divide", 1).max(1);
    println!(
        "fixed-width columns: {} bytes a record; busy weeks divided by {divide}",
        FlowTable::ROW_BYTES
    );
    println!(
        "{:<26} {:>10} {:>10} {:>8} {:>8} {:>8} {:>8} {:>10}",
        "week", "records", "addresses", "columns", "addrs", "text", "held", "allocated"
    );
    let weeks = [
        ("example", ExampleOptions::default()),
        (
            "50,000 scanners",
            ExampleOptions {
                scale: 60 / divide,
                scanners: Scanners::Pool(50_000),
                ..ExampleOptions::default()
            },
        ),
        (
            "unique scanners",
            ExampleOptions {
                scale: 36 / divide,
                scanners: Scanners::Unique,
                scanner_events: Some(2480 / divide),
                ..ExampleOptions::default()
            },
        ),
    ];
    for (name, options) in weeks {
        let f = measure(&options);
        let per = |bytes: u64| bytes as f64 / f.records.max(1) as f64;
        println!(
            "{:<26} {:>10} {:>10} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>10.2}   B/record",
            name,
            f.records,
            f.addresses,
            per(f.columns),
            per(f.addrs),
            per(f.text),
            per(f.held),
            per(f.allocated),
        );
    }
}
