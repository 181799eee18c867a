//! Which IP addresses a fetch may reach: [`is_internal`] is true of every address that is
//! not a public unicast address of the internet, by the IANA special-purpose registries
//! (IPv4 and IPv6, RFC 6890 and its updates).
//!
//! IPv6 is checked by allow-list, then deny-list: only global unicast (`2000::/3`) can be
//! public at all, minus its special blocks (documentation, benchmarking, Teredo, ORCHID,
//! the IETF protocol block, SRv6 SIDs); every other prefix (`::/8` with the deprecated
//! IPv4-compatible `::a.b.c.d`, unique local, link-local, site-local, multicast, discard,
//! the local-use NAT64 prefix) is internal. Forms that carry an IPv4 address a host or
//! gateway may turn into a connection to it are judged by that IPv4 address: IPv4-mapped
//! `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` and 6to4 `2002:AABB:CCDD::/48`. Teredo
//! (`2001::/32`) is refused outright, its embedded server and client addresses being
//! reachable only through relays. Known gaps by design: none of these rules can see an
//! address a public host forwards to; the fetch checks every address at connection time,
//! after each redirect, which is what keeps DNS names pointing inward out.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether an address is not a public unicast address of the internet (fetching refuses
/// it unless `--allow-private-fetch`).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

/// The IPv4 special-purpose blocks that are not globally reachable, plus multicast,
/// broadcast and the reserved 240/4.
fn is_internal_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    o[0] == 0 // "this network" 0/8, unspecified
        || o[0] == 10 // private 10/8
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space (CGN) 100.64/10
        || o[0] == 127 // loopback 127/8
        || (o[0] == 169 && o[1] == 254) // link-local 169.254/16
        || (o[0] == 172 && (o[1] & 0xf0) == 16) // private 172.16/12
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments 192.0.0/24
        || (o[0] == 192 && o[1] == 0 && o[2] == 2) // documentation TEST-NET-1
        || (o[0] == 192 && o[1] == 88 && o[2] == 99) // 6to4 relay anycast (deprecated)
        || (o[0] == 192 && o[1] == 168) // private 192.168/16
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || (o[0] == 198 && o[1] == 51 && o[2] == 100) // documentation TEST-NET-2
        || (o[0] == 203 && o[1] == 0 && o[2] == 113) // documentation TEST-NET-3
        || o[0] >= 224 // multicast 224/4, reserved 240/4, broadcast
}

/// IPv6: global unicast minus its special blocks, with embedded IPv4 judged as IPv4.
fn is_internal_v6(v6: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(v6) {
        return is_internal_v4(v4);
    }
    let s = v6.segments();
    if (s[0] & 0xe000) != 0x2000 {
        // outside 2000::/3: ::/8 (unspecified, loopback, IPv4-compatible, IPv4-translated),
        // 64:ff9b:1::/48, 100::/64 discard, fc00::/7, fe80::/10, fec0::/10, ff00::/8, ...
        return true;
    }
    // 2001::/23: IETF protocol assignments (Teredo, benchmarking, ORCHID, AMT, ...);
    // 2001:db8::/32: documentation
    (s[0] == 0x2001 && (s[1] < 0x0200 || s[1] == 0x0db8))
        || (s[0] == 0x3fff && s[1] < 0x1000) // documentation 3fff::/20
        || s[0] == 0x2002 // 6to4 without a usable embedded address (handled above)
}

/// The IPv4 address carried by an IPv4-mapped, NAT64 (well-known prefix) or 6to4 address.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return Some(v4(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(v4(s[1], s[2]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn internal(a: &str) -> bool {
        is_internal(a.parse().unwrap())
    }

    /// Every special-purpose category, one or more forms each.
    #[test]
    fn refused_forms() {
        for a in [
            // IPv4
            "0.0.0.0",
            "0.1.2.3",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.0.170",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            // IPv6 outside global unicast
            "::",
            "::1",
            "::127.0.0.1",        // IPv4-compatible (issue 24)
            "::a00:1",            // IPv4-compatible 10.0.0.1 (issue 24)
            "::8.8.8.8",          // IPv4-compatible, public inside: still deprecated, refused
            "::ffff:0:127.0.0.1", // IPv4-translated (SIIT)
            "64:ff9b:1::a00:1",   // local-use NAT64
            "100::1",             // discard-only
            "fc00::1",
            "fd00::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            // embedded IPv4 that is internal
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::1", // 6to4 of 127.0.0.1 (issue 24)
            "2002:a00:1::1",  // 6to4 of 10.0.0.1
            "2002:c0a8:101::1",
            "2002::1", // 6to4 of 0.0.0.0
            // special blocks inside 2000::/3
            "2001::1",             // Teredo
            "2001:0:4136:e378::1", // Teredo with a server address
            "2001:2::1",           // benchmarking
            "2001:10::1",          // ORCHID
            "2001:20::1",          // ORCHIDv2
            "2001:1::1",           // IETF protocol assignments
            "2001:db8::1",
            "2001:db8:ffff::1",
            "3fff::1",
            "3fff:fff::1",
        ] {
            assert!(internal(a), "{a} must be refused");
        }
    }

    #[test]
    fn public_forms() {
        for a in [
            "93.184.216.34",
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700::1111",
            "2a00:1450:4001::1",
            "2001:200::1", // first /23 past the IETF block
            "2001:4860:4860::8888",
            "::ffff:1.1.1.1",
            "64:ff9b::808:808", // NAT64 of 8.8.8.8
            "2002:808:808::1",  // 6to4 of 8.8.8.8
            "3ffe::1",
            "3fff:1000::1",
        ] {
            assert!(!internal(a), "{a} must be allowed");
        }
    }
}
