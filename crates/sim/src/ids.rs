//! Airtable-style identifiers: a three-letter prefix and 14 base62 characters; audit event
//! ids are 26-character ULIDs (48 bits of milliseconds, 80 random bits, Crockford base32).

use rand::Rng;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub fn new_id(rng: &mut impl Rng, prefix: &str) -> String {
    let mut id = String::with_capacity(17);
    id.push_str(prefix);
    for _ in 0..14 {
        id.push(BASE62[rng.gen_range(0..BASE62.len())] as char);
    }
    id
}

/// An id from a 64-bit hash, for things derived rather than drawn (synthetic history).
pub fn id_from_hash(prefix: &str, mut h: u64) -> String {
    let mut id = String::with_capacity(17);
    id.push_str(prefix);
    for _ in 0..14 {
        id.push(BASE62[(h % 62) as usize] as char);
        h = (h / 62) ^ h.rotate_left(29).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    id
}

/// A random opaque secret (authorization codes, tokens).
pub fn secret(rng: &mut impl Rng, len: usize) -> String {
    (0..len)
        .map(|_| BASE62[rng.gen_range(0..BASE62.len())] as char)
        .collect()
}

/// The sort key of an audit event: milliseconds since the epoch, then 80 random bits.
pub type EventKey = (u64, u128);

pub const RANDOM_MAX: u128 = (1u128 << 80) - 1;

pub fn ulid(key: EventKey) -> String {
    let (ms, random) = key;
    let value: u128 = ((ms as u128 & ((1u128 << 48) - 1)) << 80) | (random & RANDOM_MAX);
    let mut out = [0u8; 26];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 5 * (25 - i);
        *slot = CROCKFORD[((value >> shift) & 31) as usize];
    }
    out.iter().map(|&b| b as char).collect()
}

pub fn parse_ulid(text: &str) -> Option<EventKey> {
    if text.len() != 26 {
        return None;
    }
    let mut value: u128 = 0;
    for (i, c) in text.bytes().enumerate() {
        let c = c.to_ascii_uppercase();
        let digit = CROCKFORD.iter().position(|&d| d == c)? as u128;
        if i == 0 && digit > 7 {
            return None;
        }
        value = (value << 5) | digit;
    }
    Some(((value >> 80) as u64, value & RANDOM_MAX))
}

/// splitmix64: a fast, well-mixed hash used to derive synthetic data from a seed.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn ids_have_the_airtable_shape() {
        let mut rng = StdRng::seed_from_u64(1);
        let id = new_id(&mut rng, "usr");
        assert_eq!(id.len(), 17);
        assert!(id.starts_with("usr"));
        assert!(id[3..].chars().all(|c| c.is_ascii_alphanumeric()));
        let derived = id_from_hash("act", 12345);
        assert_eq!(derived.len(), 17);
        assert!(derived[3..].chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn ulids_round_trip_and_sort_like_their_keys() {
        let a = (1_643_750_705_663u64, 42u128);
        let b = (1_643_750_705_663u64, 43u128);
        let c = (1_643_750_705_664u64, 0u128);
        assert_eq!(parse_ulid(&ulid(a)), Some(a));
        assert_eq!(parse_ulid(&ulid((5, RANDOM_MAX))), Some((5, RANDOM_MAX)));
        assert!(ulid(a) < ulid(b) && ulid(b) < ulid(c));
        assert_eq!(ulid(a).len(), 26);
        // The sample in Airtable's docs is a ULID of its timestamp.
        assert_eq!(
            parse_ulid("01FYFFDE39BDDBC0HWK51R6GPF").map(|k| k.0 / 1000),
            Some(1_647_639_443)
        );
        assert_eq!(parse_ulid("not a ulid"), None);
    }
}
