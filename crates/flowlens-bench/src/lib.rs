//! What the speed and size tools share: [`flag`] for their command lines, and
//! [`Counting`], the system allocator counting the bytes held (and their peak), which
//! `flowlens-addr-bytes`, `flowlens-record-bytes` and `flowlens-stage-bytes` install
//! as their global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes held. Install it with
/// `#[global_allocator] static ALLOCATOR: Counting = Counting;` and read [`held`].
pub struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Bytes allocated and not yet freed (through [`Counting`], when it is installed).
pub fn held() -> usize {
    HELD.load(Ordering::Relaxed)
}

/// The most bytes held at once since the last [`reset_peak`].
pub fn peak() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// Starts a new peak from the bytes held now.
pub fn reset_peak() {
    PEAK.store(held(), Ordering::Relaxed);
}

fn grew(size: usize) {
    let now = HELD.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; the counter is
// only a side effect.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: the caller's layout, as given.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        grew(new_size);
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// The value after `name` on the command line (`--scale 80`), as text.
pub fn flag(name: &str) -> Option<String> {
    let mut args = std::env::args().skip(1);
    args.by_ref().find(|a| a == name)?;
    args.next()
}

/// [`flag`] parsed as a `T`; `default` when absent or not a `T`.
pub fn flag_or<T: FromStr>(name: &str, default: T) -> T {
    flag(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}
