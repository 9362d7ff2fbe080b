//! A small cache of address texts already seen in a file, so that the addresses that
//! repeat on every line are not parsed again.

use super::values::Bad;
use crate::flow::addr::{parse_addr, AddrId};
use crate::flow::table::FlowTable;

/// Address texts of up to 16 bytes (every IPv4 and short IPv6) with their ids, so
/// that an address seen before costs a hash of two words and one comparison instead
/// of a parse. Direct-mapped: a text whose slot is taken replaces it (hostile input
/// with endless distinct addresses cannot grow it).
pub(super) struct AddrCache {
    pub(super) slots: Vec<AddrSlot>,
}

/// One cached address text: its length, its first and last eight bytes (together
/// every byte of a text of 8 to 16 bytes; a shorter one is zero-padded in `head`).
#[derive(Clone, Copy, Default)]
pub(super) struct AddrSlot {
    pub(super) len: u64,
    pub(super) head: u64,
    pub(super) tail: u64,
    pub(super) id: AddrId,
}

impl Default for AddrCache {
    fn default() -> Self {
        AddrCache {
            slots: vec![AddrSlot::default(); Self::SLOTS],
        }
    }
}

impl AddrCache {
    /// Slots (a power of two).
    pub(super) const SLOTS: usize = 1024;

    #[inline]
    pub(super) fn id(&mut self, table: &mut FlowTable, raw: &[u8]) -> Result<AddrId, Bad> {
        let len = raw.len();
        let (head, tail) = match (raw.first_chunk::<8>(), raw.last_chunk::<8>()) {
            (Some(head), Some(tail)) if len <= 16 => {
                (u64::from_le_bytes(*head), u64::from_le_bytes(*tail))
            }
            (None, _) if len > 0 => {
                let mut bytes = [0u8; 8];
                for (b, &r) in bytes.iter_mut().zip(raw) {
                    *b = r;
                }
                (u64::from_le_bytes(bytes), 0)
            }
            _ => return intern_addr(table, raw),
        };
        let len = len as u64;
        let hash = (head ^ tail.rotate_left(29) ^ len).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let index = (hash >> 54) as usize & (Self::SLOTS - 1);
        let Some(slot) = self.slots.get_mut(index) else {
            return intern_addr(table, raw);
        };
        // `len` is never 0 here, so an empty slot never matches.
        if slot.len == len && slot.head == head && slot.tail == tail {
            return Ok(slot.id);
        }
        let id = intern_addr(table, raw)?;
        *slot = AddrSlot {
            len,
            head,
            tail,
            id,
        };
        Ok(id)
    }
}

pub(super) fn intern_addr(table: &mut FlowTable, raw: &[u8]) -> Result<AddrId, Bad> {
    if raw == b"-" {
        return Ok(AddrId::NONE);
    }
    match parse_addr(raw) {
        Some(addr) => Ok(table.addrs.intern(addr)),
        None => Err(Bad::NotAddr),
    }
}
