//! splitmix64 and the public-looking IPv4 addresses: what both synthetic
//! log generators in `gen/` (access lines and Moodle exports) draw from.

/// The splitmix64 output function: a good 64-bit mix of `x`.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// splitmix64.
pub struct Rng(pub u64);

#[allow(dead_code)]
impl Rng {
    /// The next 64 bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// A public-looking unicast IPv4 address from the bits of `a` (no 0, 10,
/// 127 or multicast first octet; never `.0` last).
pub fn write_ipv4(a: u64, out: &mut Vec<u8>) {
    use std::io::Write;
    let first = [
        31, 46, 62, 78, 80, 84, 87, 91, 93, 95, 109, 129, 134, 141, 185, 193, 212, 217,
    ];
    let o1 = first[((a >> 8) % first.len() as u64) as usize];
    let _ = write!(
        out,
        "{}.{}.{}.{}",
        o1,
        (a >> 16) & 0xff,
        (a >> 24) & 0xff,
        1 + (a >> 32) % 254
    );
}
