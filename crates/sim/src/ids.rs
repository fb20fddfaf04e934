//! Airtable-style identifiers: a three-letter prefix and 14 base62 characters.

use rand::Rng;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub fn new_id(rng: &mut impl Rng, prefix: &str) -> String {
    let mut id = String::with_capacity(17);
    id.push_str(prefix);
    for _ in 0..14 {
        id.push(BASE62[rng.gen_range(0..BASE62.len())] as char);
    }
    id
}

/// A random opaque secret (authorization codes, tokens).
pub fn secret(rng: &mut impl Rng, len: usize) -> String {
    (0..len)
        .map(|_| BASE62[rng.gen_range(0..BASE62.len())] as char)
        .collect()
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
    }
}
