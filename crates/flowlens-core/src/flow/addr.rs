//! IP addresses: compact interned ids for the record columns, parsing straight from
//! bytes, classification (private / known / public) and CIDR blocks.
//!
//! A week of flow logs has millions of records but only thousands of distinct
//! addresses, so each record stores a 4-byte [`AddrId`] and the table keeps each
//! address once.

use std::collections::HashMap;
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

/// An address as a hashable integer key: IPv4 in the low 32 bits with a tag bit above
/// the IPv6 range would collide, so the two families are kept apart by an enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    V4(u32),
    V6(u128),
}

fn key_of(addr: IpAddr) -> Key {
    match addr {
        IpAddr::V4(v4) => Key::V4(u32::from(v4)),
        IpAddr::V6(v6) => Key::V6(u128::from(v6)),
    }
}

/// The interned addresses of a data set.
#[derive(Clone, Debug)]
pub struct AddrTable {
    addrs: Vec<Option<IpAddr>>,
    ids: FastMap<Key, AddrId>,
}

impl Default for AddrTable {
    fn default() -> Self {
        AddrTable {
            addrs: vec![None],
            ids: FastMap::default(),
        }
    }
}

impl AddrTable {
    /// The id of `addr`, adding it when new.
    pub fn intern(&mut self, addr: IpAddr) -> AddrId {
        let next = AddrId(self.addrs.len() as u32);
        let id = *self.ids.entry(key_of(addr)).or_insert(next);
        if id == next {
            self.addrs.push(Some(addr));
        }
        id
    }

    /// The id of `addr` if it is in the table.
    pub fn lookup(&self, addr: IpAddr) -> Option<AddrId> {
        self.ids.get(&key_of(addr)).copied()
    }

    /// The address of `id` (`None` for [`AddrId::NONE`] or an id from elsewhere).
    pub fn get(&self, id: AddrId) -> Option<IpAddr> {
        self.addrs.get(id.index()).copied().flatten()
    }

    /// Number of ids, counting the missing address at 0 (size for per-id arrays).
    pub fn id_count(&self) -> usize {
        self.addrs.len()
    }

    /// All real addresses with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (AddrId, IpAddr)> + '_ {
        self.addrs
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.map(|a| (AddrId(i as u32), a)))
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
