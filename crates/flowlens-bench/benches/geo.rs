//! The address table: loading the shipped file (inflate + checks) and one lookup.
//! Needs target/geo/flowlens-geo.bin (`bash scripts/geo.sh`). Run with
//! `cargo bench --bench geo`.

// A failed unwrap in a benchmark is a failed benchmark.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flowlens_core::geo::GeoDb;

fn bench(c: &mut Criterion) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/geo/flowlens-geo.bin");
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `bash scripts/geo.sh`)", path.display()));
    let mut group = c.benchmark_group("geo");
    group.sample_size(10);
    group.bench_function("load the table", |b| {
        b.iter(|| GeoDb::from_bytes(&bytes).unwrap())
    });
    let db = GeoDb::from_bytes(&bytes).unwrap();
    // 1,000 spread-out public addresses, half IPv4, half IPv6.
    let addrs: Vec<IpAddr> = (0..1000u32)
        .map(|i| {
            let x = i.wrapping_mul(2_654_435_761);
            if i % 2 == 0 {
                IpAddr::from(std::net::Ipv4Addr::from(x))
            } else {
                IpAddr::from(std::net::Ipv6Addr::from(
                    (0x2000u128 << 112) | (u128::from(x) << 80),
                ))
            }
        })
        .collect();
    group.throughput(Throughput::Elements(addrs.len() as u64));
    group.bench_function("1,000 lookups", |b| {
        b.iter(|| addrs.iter().filter(|&&a| db.lookup(a).is_some()).count())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
