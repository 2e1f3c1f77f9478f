//! A bearer secret checked without telling its length: the given value and
//! the secret are compared as SHA-256 digests (32 bytes whatever their
//! length), every byte of them, so neither the time of an early mismatch
//! nor of a length check says anything about the secret (issue 26).

use sha2::{Digest, Sha256};

/// The digest of a configured bearer secret (`STORAGE_WEBHOOK_SECRET`).
#[derive(Clone)]
pub struct BearerSecret([u8; 32]);

impl std::fmt::Debug for BearerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerSecret(<redacted>)")
    }
}

impl BearerSecret {
    /// Keeps only the digest of `secret`.
    pub fn new(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }

    /// Whether `given` is the secret: the 32 bytes of both digests are
    /// compared without an early exit.
    pub fn matches(&self, given: &str) -> bool {
        let given: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        let diff = self
            .0
            .iter()
            .zip(given.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(diff) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_secret_matches_whatever_the_length_of_what_is_given() {
        let s = BearerSecret::new("webhook-secret-for-tests");
        assert!(s.matches("webhook-secret-for-tests"));
        for wrong in [
            "",
            "w",
            "webhook-secret-for-test",
            "webhook-secret-for-tests!",
        ] {
            assert!(!s.matches(wrong), "{wrong}");
        }
        assert!(!format!("{s:?}").contains("webhook"));
    }
}
