//! Encryption of Airtable tokens at rest (AES-256-GCM).
//!
//! Stored form: 12-byte random nonce followed by the ciphertext and tag. The row's id is the
//! associated data, so a ciphertext copied into another row does not decrypt.

use aes_gcm::{
    aead::{Aead, KeyInit, Payload},
    Aes256Gcm, Key, Nonce,
};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use rand::RngCore;

const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the token key must be base64 of exactly 32 bytes")]
    BadKey,
    #[error("a stored token could not be decrypted (wrong key, or the row was altered)")]
    Decrypt,
}

#[derive(Clone)]
pub struct TokenCipher {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCipher(<key redacted>)")
    }
}

impl TokenCipher {
    pub fn from_base64_key(key: &str) -> Result<Self, CryptoError> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|_| CryptoError::BadKey)?;
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        Ok(Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes)),
        })
    }

    /// A fresh random key, base64-encoded (for the demo's development key).
    pub fn generate_base64_key() -> String {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        STANDARD.encode(key)
    }

    pub fn encrypt(&self, plaintext: &str, associated: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: associated,
                },
            )
            // AES-GCM encryption only fails for inputs over 64 GiB.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn decrypt(&self, stored: &[u8], associated: &[u8]) -> Result<String, CryptoError> {
        if stored.len() <= NONCE_LEN {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, sealed) = stored.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: associated,
                },
            )
            .map_err(|_| CryptoError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Decrypt)
    }
}

/// Compares secrets without an early exit, so timing does not tell how much matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> TokenCipher {
        TokenCipher::from_base64_key(&TokenCipher::generate_base64_key()).expect("valid key")
    }

    #[test]
    fn round_trips_and_hides_the_plaintext() {
        let c = cipher();
        let sealed = c.encrypt("oaaSecretToken", b"row-1");
        assert!(!sealed.windows(14).any(|w| w == b"oaaSecretToken"));
        assert_eq!(
            c.decrypt(&sealed, b"row-1").expect("decrypts"),
            "oaaSecretToken"
        );
    }

    #[test]
    fn refuses_other_rows_other_keys_and_tampering() {
        let c = cipher();
        let sealed = c.encrypt("tok", b"row-1");
        assert!(c.decrypt(&sealed, b"row-2").is_err());
        assert!(cipher().decrypt(&sealed, b"row-1").is_err());
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert!(c.decrypt(&altered, b"row-1").is_err());
        assert!(c.decrypt(&[1, 2, 3], b"row-1").is_err());
    }

    #[test]
    fn rejects_short_or_malformed_keys() {
        assert!(TokenCipher::from_base64_key("c2hvcnQ=").is_err());
        assert!(TokenCipher::from_base64_key("not base64 !!").is_err());
    }
}
