//! Heap bytes per distinct address in the address table (`AddrTable`), and the time
//! to intern and to look up each one: a busy week has millions of distinct addresses
//! (scanners), and every one is kept once. A benchmark, not part of the page.
//!
//! `cargo run --release -p flowlens-bench --bin flowlens-addr-bytes -- [--count N]
//! [--v6-share PERCENT]` interns N distinct addresses (default 2,500,000; 10 % IPv6
//! unless told), counting the bytes the allocator holds after, and prints bytes per
//! address, intern and lookup nanoseconds per address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use flowlens_bench::Counting;
use flowlens_core::flow::addr::AddrTable;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The `i`-th distinct address: spread over the space as scanners are.
fn address(i: u64, v6_share: u64) -> IpAddr {
    let mixed = i.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17);
    if i % 100 < v6_share {
        IpAddr::V6(Ipv6Addr::from(
            (0x2001_0db8_u128 << 96) | (u128::from(mixed) << 16) | u128::from(i & 0xffff),
        ))
    } else {
        // Distinct for distinct i below 2^32: a bijection of the low 32 bits.
        let low = (i as u32).wrapping_mul(0x9e37_79b9) ^ 0x5bd1_e995;
        IpAddr::V4(Ipv4Addr::from(low))
    }
}

fn main() {
    let count: u64 = flowlens_bench::flag_or("--count", 2_500_000);
    let v6_share: u64 = flowlens_bench::flag_or("--v6-share", 10);
    let addrs: Vec<IpAddr> = (0..count).map(|i| address(i, v6_share)).collect();
    let before = flowlens_bench::held();
    let started = Instant::now();
    let mut table = AddrTable::default();
    for &addr in &addrs {
        std::hint::black_box(table.intern(addr));
    }
    let intern_secs = started.elapsed().as_secs_f64();
    let held = flowlens_bench::held() - before;
    let started = Instant::now();
    let found = addrs.iter().filter(|&&a| table.lookup(a).is_some()).count();
    let lookup_secs = started.elapsed().as_secs_f64();
    assert_eq!(
        table.id_count() as u64,
        count + 1,
        "every address is distinct"
    );
    assert_eq!(found as u64, count);
    println!(
        "{count} distinct addresses ({v6_share} % IPv6): {:.1} bytes per address held, intern {:.0} ns, lookup {:.0} ns per address",
        held as f64 / count as f64,
        intern_secs * 1e9 / count as f64,
        lookup_secs * 1e9 / count as f64,
    );
}
