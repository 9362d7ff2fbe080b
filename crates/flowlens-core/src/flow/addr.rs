//! IP addresses: compact interned ids for the record columns, parsing straight from
//! bytes, classification (private / known / public) and CIDR blocks.
//!
//! A week of flow logs has millions of records but only thousands of distinct
//! addresses, so each record stores a 4-byte [`AddrId`] and the table keeps each
//! address once.

use std::collections::{HashMap, TryReserveError};
use std::hash::{BuildHasherDefault, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Index of an address in an [`AddrTable`]; `AddrId::NONE` is a missing address (`-`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct AddrId(pub u32);

impl AddrId {
    /// The missing address.
    pub const NONE: AddrId = AddrId(0);

    /// True unless this is [`AddrId::NONE`].
    pub fn is_some(self) -> bool {
        self != AddrId::NONE
    }

    /// The id as an index into per-address arrays (`0` is the missing address).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A small, fast hasher for integer keys (the multiply-rotate scheme of FxHash).
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u128(&mut self, n: u128) {
        self.write_u64(n as u64);
        self.write_u64((n >> 64) as u64);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// The interned addresses of a data set, compact: an IPv4 address is kept as a `u32`
/// and an IPv6 address as a `u128`, each once, and the hash index holds only ids (an
/// open-addressing table of `u32`, at most three quarters full, probed linearly; a
/// probe compares the address the id stands for). About 4 bytes of id entry, 4 (or
/// 16) of address and 5 to 11 of index per distinct address; a busy week has millions
/// of them.
#[derive(Clone, Debug)]
pub struct AddrTable {
    /// Per id (0 the missing address): an index into `v4`, or with [`V6_TAG`] into
    /// `v6`.
    entries: Vec<u32>,
    v4: Vec<u32>,
    v6: Vec<u128>,
    /// Ids by hash (0 an empty slot); its length is 0 or a power of two.
    slots: Vec<u32>,
}

/// Marks an entry as an index into the IPv6 addresses.
const V6_TAG: u32 = 1 << 31;

/// An address as the table keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    V4(u32),
    V6(u128),
}

impl Key {
    fn of(addr: IpAddr) -> Key {
        match addr {
            IpAddr::V4(v4) => Key::V4(u32::from(v4)),
            IpAddr::V6(v6) => Key::V6(u128::from(v6)),
        }
    }

    /// A well-mixed hash (the top bits are used).
    #[inline]
    fn hash(self) -> u64 {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        match self {
            Key::V4(v) => (u64::from(v) ^ 0x2545_f491).wrapping_mul(K),
            Key::V6(v) => {
                let folded = (v as u64).wrapping_mul(K) ^ ((v >> 64) as u64);
                folded.wrapping_mul(K) ^ 0x6a09_e667
            }
        }
        .rotate_left(7)
        .wrapping_mul(K)
    }
}

impl Default for AddrTable {
    fn default() -> Self {
        AddrTable {
            entries: vec![0],
            v4: Vec::new(),
            v6: Vec::new(),
            slots: Vec::new(),
        }
    }
}

impl AddrTable {
    /// The address with id `id` as a key (`None` for the missing address or an id
    /// from elsewhere).
    #[inline]
    fn key_at(&self, id: u32) -> Option<Key> {
        if id == 0 {
            return None;
        }
        let entry = *self.entries.get(id as usize)?;
        if entry & V6_TAG == 0 {
            self.v4.get(entry as usize).map(|&v| Key::V4(v))
        } else {
            self.v6.get((entry & !V6_TAG) as usize).map(|&v| Key::V6(v))
        }
    }

    /// The slot where `key` is, or the empty slot where it would go (the table must
    /// have a free slot).
    #[inline]
    fn slot_of(&self, key: Key) -> usize {
        let mask = self.slots.len().wrapping_sub(1);
        let shift = 64 - self.slots.len().trailing_zeros();
        let mut at = (key.hash() >> (shift % 64)) as usize & mask;
        loop {
            match self.slots.get(at) {
                Some(&0) | None => return at,
                Some(&id) if self.key_at(id) == Some(key) => return at,
                Some(_) => at = (at + 1) & mask,
            }
        }
    }

    /// Makes the index twice as large (or its first size) and re-inserts every id.
    fn grow_index(&mut self) {
        let size = (self.slots.len() * 2).max(64);
        self.rebuild_index(vec![0; size]);
    }

    /// Index slots needed to hold `ids` ids (counting the missing address) at most
    /// three quarters full: the size [`AddrTable::intern`] would have grown to.
    fn slots_for(&self, ids: usize) -> usize {
        let mut size = self.slots.len();
        while (ids + 1) * 4 > size * 3 {
            size = (size * 2).max(64);
        }
        size
    }

    /// Makes room for every address of `other` as if each were new (ids, addresses
    /// and the index), fallibly: on an error the table is unchanged but for spare
    /// capacity, and interning them afterwards allocates nothing.
    pub fn try_reserve_for(&mut self, other: &AddrTable) -> Result<(), TryReserveError> {
        let new = other.entries.len().saturating_sub(1);
        self.entries.try_reserve(new)?;
        self.v4.try_reserve(other.v4.len())?;
        self.v6.try_reserve(other.v6.len())?;
        self.try_size_index_for(new)
    }

    /// Makes room for `ids` more addresses (ids, IPv4 addresses and the index),
    /// fallibly, so that interning that many new ones rehashes nothing.
    pub fn try_reserve(&mut self, ids: usize) -> Result<(), TryReserveError> {
        self.entries.try_reserve(ids)?;
        self.v4.try_reserve(ids)?;
        self.try_size_index_for(ids)
    }

    /// Makes the index as large as `new` more ids need, fallibly (unchanged on an
    /// error).
    fn try_size_index_for(&mut self, new: usize) -> Result<(), TryReserveError> {
        let size = self.slots_for(self.entries.len().saturating_add(new));
        if size > self.slots.len() {
            let mut slots = Vec::new();
            slots.try_reserve_exact(size)?;
            slots.resize(size, 0);
            self.rebuild_index(slots);
        }
        Ok(())
    }

    /// Bytes the addresses take (lengths, not capacities: the same for the same
    /// addresses, however the table grew; the index at its size).
    pub fn used_bytes(&self) -> usize {
        self.entries.len() * 4 + self.v4.len() * 4 + self.v6.len() * 16 + self.slots.len() * 4
    }

    /// [`AddrTable::used_bytes`] once every address of `other` is added (an upper
    /// bound: each counted as new).
    pub fn used_bytes_after_adding(&self, other: &AddrTable) -> usize {
        let new = other.entries.len().saturating_sub(1);
        (self.entries.len() + new) * 4
            + (self.v4.len() + other.v4.len()) * 4
            + (self.v6.len() + other.v6.len()) * 16
            + self.slots_for(self.entries.len() + new) * 4
    }

    /// Puts every id into `slots` (all empty, a power of two long) and makes it the
    /// index.
    fn rebuild_index(&mut self, slots: Vec<u32>) {
        self.slots = slots;
        for id in 1..self.entries.len() as u32 {
            if let Some(key) = self.key_at(id) {
                let at = self.slot_of(key);
                if let Some(slot) = self.slots.get_mut(at) {
                    *slot = id;
                }
            }
        }
    }

    /// The id of `addr`, adding it when new.
    pub fn intern(&mut self, addr: IpAddr) -> AddrId {
        // At most three quarters full, so that probes stay short and one slot is free.
        if (self.entries.len() + 1) * 4 > self.slots.len() * 3 {
            self.grow_index();
        }
        let key = Key::of(addr);
        let at = self.slot_of(key);
        match self.slots.get(at) {
            Some(&id) if id != 0 => AddrId(id),
            _ => {
                let id = self.entries.len() as u32;
                let entry = match key {
                    Key::V4(v) => {
                        self.v4.push(v);
                        (self.v4.len() - 1) as u32
                    }
                    Key::V6(v) => {
                        self.v6.push(v);
                        (self.v6.len() - 1) as u32 | V6_TAG
                    }
                };
                self.entries.push(entry);
                if let Some(slot) = self.slots.get_mut(at) {
                    *slot = id;
                }
                AddrId(id)
            }
        }
    }

    /// The id of `addr` if it is in the table.
    pub fn lookup(&self, addr: IpAddr) -> Option<AddrId> {
        if self.slots.is_empty() {
            return None;
        }
        match self.slots.get(self.slot_of(Key::of(addr))) {
            Some(&id) if id != 0 => Some(AddrId(id)),
            _ => None,
        }
    }

    /// The address of `id` (`None` for [`AddrId::NONE`] or an id from elsewhere).
    #[inline]
    pub fn get(&self, id: AddrId) -> Option<IpAddr> {
        match self.key_at(id.0)? {
            Key::V4(v) => Some(IpAddr::V4(Ipv4Addr::from(v))),
            Key::V6(v) => Some(IpAddr::V6(Ipv6Addr::from(v))),
        }
    }

    /// Number of ids, counting the missing address at 0 (size for per-id arrays).
    pub fn id_count(&self) -> usize {
        self.entries.len()
    }

    /// All real addresses with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (AddrId, IpAddr)> + '_ {
        (1..self.entries.len() as u32)
            .filter_map(|id| self.get(AddrId(id)).map(|a| (AddrId(id), a)))
    }

    /// Heap bytes held (capacity, not length).
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * 4
            + self.v4.capacity() * 4
            + self.v6.capacity() * 16
            + self.slots.capacity() * 4
    }
}

/// Parses an address from the bytes of a field: dotted IPv4 by a fast path, anything
/// else (IPv6 full or compressed, IPv4-mapped) through the standard parser.
pub fn parse_addr(raw: &[u8]) -> Option<IpAddr> {
    if let Some(v4) = parse_ipv4(raw) {
        return Some(IpAddr::V4(v4));
    }
    if raw.contains(&b':') {
        let text = std::str::from_utf8(raw).ok()?;
        return text.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    None
}

fn parse_ipv4(raw: &[u8]) -> Option<Ipv4Addr> {
    if raw.len() < 7 || raw.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut part = 0;
    let mut value: u32 = 0;
    let mut digits = 0;
    for &b in raw {
        match b {
            b'0'..=b'9' => {
                // A leading zero ("01") is ambiguous (octal in some tools): reject it,
                // as Rust's parser does.
                if digits == 1 && value == 0 {
                    return None;
                }
                value = value * 10 + u32::from(b - b'0');
                digits += 1;
                if digits > 3 || value > 255 {
                    return None;
                }
            }
            b'.' => {
                if digits == 0 || part == 3 {
                    return None;
                }
                octets[part] = value as u8;
                part += 1;
                value = 0;
                digits = 0;
            }
            _ => return None,
        }
    }
    if digits == 0 || part != 3 {
        return None;
    }
    octets[3] = value as u8;
    Some(Ipv4Addr::from(octets))
}

/// How an address is classed in the sources table.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum AddrClass {
    /// RFC 1918, RFC 6598 (carrier-grade NAT), loopback, link-local, IPv6 ULA.
    Private,
    /// Inside a CIDR block the user listed as their own.
    Known,
    /// Everything else: somewhere on the internet.
    Public,
}

impl AddrClass {
    /// The lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            AddrClass::Private => "private",
            AddrClass::Known => "known",
            AddrClass::Public => "public",
        }
    }
}

/// True for addresses that never route on the internet.
pub fn is_private(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Classes `addr`: private first, then known (inside any of `known`), else public.
pub fn classify(addr: IpAddr, known: &[Cidr]) -> AddrClass {
    if is_private(addr) {
        AddrClass::Private
    } else if known.iter().any(|c| c.contains(addr)) {
        AddrClass::Known
    } else {
        AddrClass::Public
    }
}

/// A CIDR block such as `203.0.113.0/24` or `2001:db8::/32`; a bare address is a /32
/// or /128.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix_len: u8,
}

impl Cidr {
    /// Parses `addr/len` or a bare address.
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let text = text.trim();
        let (addr_text, len_text) = match text.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (text, None),
        };
        let network: IpAddr = addr_text
            .parse()
            .map_err(|_| format!("`{text}` is not an IP address or CIDR block"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix_len = match len_text {
            None => max,
            Some(l) => l
                .parse::<u8>()
                .ok()
                .filter(|&l| l <= max)
                .ok_or_else(|| format!("`{text}`: prefix length must be 0 to {max}"))?,
        };
        Ok(Cidr {
            network,
            prefix_len,
        })
    }

    /// True when `addr` is inside the block.
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.network, addr) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let shift = 32 - u32::from(self.prefix_len);
                let mask = if shift == 32 { 0 } else { u32::MAX << shift };
                (u32::from(net) & mask) == (u32::from(a) & mask)
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let shift = 128 - u32::from(self.prefix_len);
                let mask = if shift == 128 { 0 } else { u128::MAX << shift };
                (u128::from(net) & mask) == (u128::from(a) & mask)
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_addresses() {
        let cases: &[(&str, Option<&str>)] = &[
            ("172.30.1.10", Some("172.30.1.10")),
            ("0.0.0.0", Some("0.0.0.0")),
            ("255.255.255.255", Some("255.255.255.255")),
            ("2001:db8::1", Some("2001:db8::1")),
            (
                "2001:0db8:0000:0000:0000:0000:0000:0001",
                Some("2001:db8::1"),
            ),
            ("::ffff:10.0.0.1", Some("::ffff:10.0.0.1")),
            ("256.1.1.1", None),
            ("1.2.3", None),
            ("1.2.3.4.5", None),
            ("01.2.3.4", None),
            ("1..3.4", None),
            ("-", None),
            ("abc", None),
            ("1.2.3.4 ", None),
        ];
        for (input, expected) in cases {
            let got = parse_addr(input.as_bytes()).map(|a| a.to_string());
            assert_eq!(got.as_deref(), *expected, "{input}");
        }
    }

    #[test]
    fn classes() {
        let known = [Cidr::parse("203.0.113.0/24").unwrap()];
        let cases = [
            ("10.1.2.3", AddrClass::Private),
            ("172.30.0.5", AddrClass::Private),
            ("172.32.0.5", AddrClass::Public),
            ("192.168.1.1", AddrClass::Private),
            ("100.64.0.1", AddrClass::Private),
            ("100.128.0.1", AddrClass::Public),
            ("127.0.0.1", AddrClass::Private),
            ("169.254.169.254", AddrClass::Private),
            ("fd00::1", AddrClass::Private),
            ("fe80::1", AddrClass::Private),
            ("::1", AddrClass::Private),
            ("203.0.113.77", AddrClass::Known),
            ("201.48.16.81", AddrClass::Public),
            ("2001:db8::1", AddrClass::Public),
        ];
        for (addr, class) in cases {
            assert_eq!(classify(addr.parse().unwrap(), &known), class, "{addr}");
        }
    }

    #[test]
    fn cidr_parse_and_contains() {
        let c = Cidr::parse("2001:db8::/32").unwrap();
        assert!(c.contains("2001:db8:ffff::1".parse().unwrap()));
        assert!(!c.contains("2001:db9::1".parse().unwrap()));
        assert!(!c.contains("10.0.0.1".parse().unwrap()));
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        let host = Cidr::parse("8.8.8.8").unwrap();
        assert!(host.contains("8.8.8.8".parse().unwrap()));
        assert!(!host.contains("8.8.8.9".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("nonsense").is_err());
    }

    /// The table against a plain map: the same ids, addresses back from ids, absent
    /// addresses not found, across the index's growth (64 slots, then doubling).
    #[test]
    fn interning_agrees_with_a_plain_map_across_growth() {
        let mut table = AddrTable::default();
        let mut model: std::collections::HashMap<IpAddr, AddrId> = Default::default();
        for i in 0..20_000u32 {
            // Repeats (i / 3) and both families; v4 and v6 with the same low bits.
            let n = i / 3;
            let addr = if n % 5 == 0 {
                IpAddr::V6(Ipv6Addr::from(u128::from(n) << 64 | u128::from(n)))
            } else {
                IpAddr::V4(Ipv4Addr::from(n))
            };
            let id = table.intern(addr);
            assert_eq!(*model.entry(addr).or_insert(id), id, "{addr}");
            assert_eq!(table.get(id), Some(addr));
        }
        assert_eq!(table.id_count(), model.len() + 1);
        for (&addr, &id) in &model {
            assert_eq!(table.lookup(addr), Some(id));
        }
        assert_eq!(table.lookup("203.0.113.9".parse().unwrap()), None);
        assert_eq!(table.lookup("2001:db8::99".parse().unwrap()), None);
        assert_eq!(
            AddrTable::default().lookup("10.0.0.1".parse().unwrap()),
            None
        );
        let listed: Vec<_> = table.iter().collect();
        assert_eq!(listed.len(), model.len());
        assert!(listed.iter().all(|&(id, addr)| model[&addr] == id));
        assert_eq!(table.get(AddrId(table.id_count() as u32)), None);
    }

    /// Reserving sizes the index once, to what interning would grow it to, and keeps
    /// the addresses already there; interning that many afterwards rehashes nothing.
    #[test]
    fn reserving_sizes_the_index_once() {
        let addr = |n: u32| IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n));
        let mut t = AddrTable::default();
        let first = t.intern(addr(0));
        t.try_reserve(1_000).unwrap();
        // 1,002 ids (the missing address too) at most three quarters full: 2,048 slots.
        assert_eq!(t.slots.len(), 2_048);
        assert_eq!(t.lookup(addr(0)), Some(first));
        for n in 1..=1_000 {
            t.intern(addr(n));
        }
        assert_eq!(t.slots.len(), 2_048);
        assert_eq!(t.id_count(), 1_002);

        let mut u = AddrTable::default();
        u.intern(addr(5_000));
        u.try_reserve_for(&t).unwrap();
        // 1 + 1,001 + 1 ids: still 2,048.
        assert_eq!(u.slots.len(), 2_048);
        assert_eq!(u.lookup(addr(5_000)), Some(AddrId(1)));
        for (_, a) in t.iter() {
            u.intern(a);
        }
        assert_eq!((u.slots.len(), u.id_count()), (2_048, 1_003));
    }

    #[test]
    fn interning_is_stable() {
        let mut t = AddrTable::default();
        let a = t.intern("10.0.0.1".parse().unwrap());
        let b = t.intern("2001:db8::1".parse().unwrap());
        assert_eq!(t.intern("10.0.0.1".parse().unwrap()), a);
        assert_ne!(a, b);
        assert!(a.is_some());
        assert_eq!(t.get(b), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(t.get(AddrId::NONE), None);
        assert_eq!(t.id_count(), 3);
    }
}
