//! Sealing small values with XChaCha20-Poly1305: a random 192-bit nonce makes reuse a
//! non-issue without a counter, and the output is `nonce ‖ ciphertext ‖ tag`.

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};

const NONCE_LEN: usize = 24;

/// Encrypts `plaintext` under a 32-byte key, authenticating `aad` along with it.
pub fn seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new_from_slice(key).expect("32-byte key");
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).expect("the OS random source is available");
    let ciphertext = cipher
        .encrypt(&nonce.into(), Payload { msg: plaintext, aad })
        .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
    let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// Decrypts what [`seal`] produced; `None` when the key, the AAD or any byte is wrong.
pub fn open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < NONCE_LEN {
        return None;
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
    let cipher = XChaCha20Poly1305::new_from_slice(key).expect("32-byte key");
    cipher.decrypt(&nonce.into(), Payload { msg: ciphertext, aad }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = [7u8; 32];
        let sealed = seal(&key, b"aad", b"hello");
        assert_eq!(open(&key, b"aad", &sealed).as_deref(), Some(&b"hello"[..]));
        assert!(open(&key, b"other", &sealed).is_none());
        assert!(open(&[8u8; 32], b"aad", &sealed).is_none());
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert!(open(&key, b"aad", &bad).is_none(), "flip at {i} accepted");
        }
        assert!(open(&key, b"aad", &sealed[..10]).is_none());
    }

    #[test]
    fn nonces_differ() {
        let key = [1u8; 32];
        assert_ne!(seal(&key, b"", b"x"), seal(&key, b"", b"x"));
    }
}
