//! The data key and the subkeys HKDF-SHA256 derives from it, one per purpose, so that the
//! database key, the search-index key and the sealed-field key never share bytes.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The random 256-bit key everything else is derived from; it never changes for a notebook,
/// which is why changing the password only rewraps it.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; 32]);

impl DataKey {
    pub(crate) fn generate() -> Self {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the OS random source is available");
        DataKey(key)
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let key: [u8; 32] = bytes.try_into().ok()?;
        Some(DataKey(key))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn subkeys(&self) -> SubKeys {
        let hkdf = Hkdf::<Sha256>::new(Some(b"kehu notebook v1"), &self.0);
        let expand = |info: &[u8]| {
            let mut out = [0u8; 32];
            hkdf.expand(info, &mut out).expect("32 bytes is a valid HKDF-SHA256 length");
            SubKey(out)
        };
        SubKeys {
            database: expand(b"sqlcipher"),
            search: expand(b"search-index"),
            sealed_fields: expand(b"sealed-fields"),
        }
    }
}

/// A 256-bit key for one purpose, wiped when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SubKey([u8; 32]);

impl SubKey {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// SQLCipher's raw-key literal: with `x'…'` SQLCipher uses the bytes as the key and does
    /// not run its own PBKDF2 on top of our Argon2id.
    pub(crate) fn sqlcipher_literal(&self) -> Zeroizing<String> {
        let mut literal = Zeroizing::new(String::with_capacity(67));
        literal.push_str("x'");
        literal.push_str(&Zeroizing::new(hex::encode(self.0)));
        literal.push('\'');
        literal
    }
}

impl std::fmt::Debug for SubKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubKey(…)")
    }
}

/// Every subkey an unlocked notebook needs.
#[derive(Clone)]
pub struct SubKeys {
    pub database: SubKey,
    pub search: SubKey,
    pub sealed_fields: SubKey,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subkeys_are_distinct_and_stable() {
        let key = DataKey::from_bytes(&[9u8; 32]).unwrap();
        let a = key.subkeys();
        let b = key.subkeys();
        assert_eq!(a.database.as_bytes(), b.database.as_bytes());
        assert_ne!(a.database.as_bytes(), a.search.as_bytes());
        assert_ne!(a.search.as_bytes(), a.sealed_fields.as_bytes());
        assert_ne!(a.database.as_bytes(), &[9u8; 32]);
        assert_eq!(a.database.sqlcipher_literal().len(), 67);
    }
}
