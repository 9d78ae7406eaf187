//! The notebook header: the one plaintext file of a notebook. It holds the format version, the
//! Argon2id salt and parameters, and the data key sealed under the password's key — nothing
//! secret. It is replaced atomically: written beside, fsynced, renamed, directory fsynced.

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{DataKey, KdfParams, VaultError, aead};

pub const HEADER_FILE: &str = "kehu.header";
const FORMAT: u32 = 1;

/// The parsed header file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Notebook format version; newer than [`FORMAT`] is refused.
    pub format: u32,
    pub kdf: KdfSection,
    pub data_key: SealedKey,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfSection {
    /// Always "argon2id" (version 0x13); named so a reader without kehu knows what to run.
    pub algorithm: String,
    #[serde(flatten)]
    pub params: KdfParams,
    /// 16 random bytes, base64.
    pub salt: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedKey {
    /// Always "xchacha20poly1305".
    pub aead: String,
    /// base64 of nonce ‖ ciphertext ‖ tag; the AAD is the format and KDF section.
    pub sealed: String,
}

impl Header {
    /// A fresh header wrapping a fresh data key.
    pub fn create(password: &[u8], params: KdfParams) -> Result<(Header, DataKey), VaultError> {
        let data_key = DataKey::generate();
        let header = Self::wrap(&data_key, password, params)?;
        Ok((header, data_key))
    }

    /// A header wrapping `data_key` under `password` with a new salt.
    pub fn wrap(data_key: &DataKey, password: &[u8], params: KdfParams) -> Result<Header, VaultError> {
        if password.is_empty() {
            return Err(VaultError::EmptyPassword);
        }
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).expect("the OS random source is available");
        let kdf = KdfSection { algorithm: "argon2id".into(), params, salt: B64.encode(salt) };
        let kek = params.derive(password, &salt)?;
        let sealed = aead::seal(&kek, &associated_data(FORMAT, &kdf), data_key.as_bytes());
        Ok(Header {
            format: FORMAT,
            kdf,
            data_key: SealedKey { aead: "xchacha20poly1305".into(), sealed: B64.encode(sealed) },
        })
    }

    /// Derives the key-encryption key and opens the data key; a failed AEAD check means the
    /// password is wrong (or the header was altered, which we cannot tell apart).
    pub fn unlock(&self, password: &[u8]) -> Result<DataKey, VaultError> {
        let salt = B64.decode(&self.kdf.salt).map_err(|_| self.corrupt("salt is not base64"))?;
        let sealed = B64.decode(&self.data_key.sealed).map_err(|_| self.corrupt("data key is not base64"))?;
        let kek = self.kdf.params.derive(password, &salt)?;
        let opened = aead::open(&kek, &associated_data(self.format, &self.kdf), &sealed)
            .map(Zeroizing::new)
            .ok_or(VaultError::WrongPassword)?;
        DataKey::from_bytes(&opened).ok_or_else(|| self.corrupt("data key has the wrong length"))
    }

    fn corrupt(&self, reason: &str) -> VaultError {
        VaultError::CorruptHeader { path: HEADER_FILE.into(), reason: reason.into() }
    }

    /// Reads and validates `<dir>/kehu.header`.
    pub fn read(dir: &Path) -> Result<Header, VaultError> {
        let path = dir.join(HEADER_FILE);
        let text = match crate::limits::read_file(&path, crate::limits::MAX_SMALL_FILE_BYTES) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(VaultError::NoNotebook(dir.to_path_buf()));
            }
            Err(e) => return Err(VaultError::io(format!("reading {}", path.display()))(e)),
        };
        let header: Header = serde_json::from_slice(&text)
            .map_err(|e| VaultError::CorruptHeader { path: path.clone(), reason: e.to_string() })?;
        if header.format > FORMAT {
            return Err(VaultError::FormatTooNew { found: header.format, supported: FORMAT });
        }
        if header.kdf.algorithm != "argon2id" || header.data_key.aead != "xchacha20poly1305" {
            return Err(VaultError::CorruptHeader { path, reason: "unknown algorithm".into() });
        }
        header.kdf.params.within_ceiling().map_err(|e| VaultError::CorruptHeader { path, reason: e.to_string() })?;
        Ok(header)
    }

    /// Replaces `<dir>/kehu.header` atomically: a crash leaves either the old or the new one.
    pub fn write_atomic(&self, dir: &Path) -> Result<(), VaultError> {
        let path = dir.join(HEADER_FILE);
        let tmp = dir.join(format!("{HEADER_FILE}.new"));
        let mut text = serde_json::to_vec_pretty(self).expect("header serialises");
        text.push(b'\n');
        let io = |what: &str| VaultError::io(format!("{what} {}", path.display()));
        let mut file =
            File::options().write(true).create(true).truncate(true).mode(0o600).open(&tmp).map_err(io("writing"))?;
        file.write_all(&text).map_err(io("writing"))?;
        file.sync_all().map_err(io("syncing"))?;
        drop(file);
        fs::rename(&tmp, &path).map_err(io("replacing"))?;
        File::open(dir).and_then(|d| d.sync_all()).map_err(io("syncing the folder of"))?;
        Ok(())
    }
}

/// Binds the sealed key to the format and KDF parameters, so a header edited to weaker
/// parameters no longer opens instead of silently accepting them.
fn associated_data(format: u32, kdf: &KdfSection) -> Vec<u8> {
    let mut aad = format!("kehu header v{format}\n").into_bytes();
    aad.extend(serde_json::to_vec(kdf).expect("kdf section serialises"));
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_unlock_and_wrong_password() {
        let (header, key) = Header::create(b"secret", KdfParams::INSECURE_FOR_TESTS).unwrap();
        assert_eq!(header.unlock(b"secret").unwrap().as_bytes(), key.as_bytes());
        assert!(matches!(header.unlock(b"Secret"), Err(VaultError::WrongPassword)));
    }

    #[test]
    fn weakened_parameters_do_not_open() {
        let params = KdfParams { iterations: 2, ..KdfParams::INSECURE_FOR_TESTS };
        let (mut header, _) = Header::create(b"pw", params).unwrap();
        header.kdf.params.iterations = 1;
        assert!(matches!(header.unlock(b"pw"), Err(VaultError::WrongPassword)));
    }

    #[test]
    fn rewrap_keeps_the_data_key() {
        let (header, key) = Header::create(b"old", KdfParams::INSECURE_FOR_TESTS).unwrap();
        let new = Header::wrap(&key, b"new", KdfParams::INSECURE_FOR_TESTS).unwrap();
        assert_ne!(header.kdf.salt, new.kdf.salt);
        assert_eq!(new.unlock(b"new").unwrap().as_bytes(), key.as_bytes());
        assert!(new.unlock(b"old").is_err());
    }

    #[test]
    fn read_write_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(Header::read(dir.path()), Err(VaultError::NoNotebook(_))));
        let (header, _) = Header::create(b"pw", KdfParams::INSECURE_FOR_TESTS).unwrap();
        header.write_atomic(dir.path()).unwrap();
        assert_eq!(Header::read(dir.path()).unwrap(), header);
        assert!(!dir.path().join("kehu.header.new").exists());
        fs::write(dir.path().join(HEADER_FILE), b"{not json").unwrap();
        assert!(matches!(Header::read(dir.path()), Err(VaultError::CorruptHeader { .. })));
        let mut future = header.clone();
        future.format = 99;
        future.write_atomic(dir.path()).unwrap();
        assert!(matches!(Header::read(dir.path()), Err(VaultError::FormatTooNew { found: 99, .. })));
        // A header asking for 4 GiB of memory is refused before the KDF runs.
        let mut greedy = header.clone();
        greedy.kdf.params.memory_kib = 4 * 1024 * 1024;
        greedy.write_atomic(dir.path()).unwrap();
        let started = std::time::Instant::now();
        let err = Header::read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("above the ceiling") && started.elapsed().as_secs() < 1, "{err}");
    }
}
