//! The age layer: a passphrase (scrypt) recipient around the archive stream, and what each of
//! age's failures means for the user.

use std::io::{self, BufRead};
use std::path::Path;

use age::secrecy::SecretString;

use super::BackupError;

/// scrypt log2(N) for new backups: what the reference age implementation writes (≈0.5–1 s).
pub const DEFAULT_WORK_FACTOR: u8 = 18;
/// Files asking more work than this are refused rather than tried: 2^20 takes 1 GiB and a few
/// seconds; kehu writes 2^18, and a file asking 2^22 would take 4 GiB before "wrong password".
const MAX_WORK_FACTOR: u8 = 20;

pub(super) fn encryptor(password: &str, work_factor: u8) -> age::Encryptor {
    let mut recipient = age::scrypt::Recipient::new(SecretString::from(password.to_owned()));
    recipient.set_work_factor(work_factor);
    age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        .expect("a single passphrase recipient is always accepted")
}

pub(super) fn decrypt<R: BufRead>(
    input: R,
    password: &str,
    path: &Path,
) -> Result<age::stream::StreamReader<R>, BackupError> {
    let not_backup = |reason: &str| BackupError::NotABackup { path: path.to_path_buf(), reason: reason.into() };
    let decryptor = age::Decryptor::new_buffered(input).map_err(|e| match e {
        age::DecryptError::Io(e) => BackupError::io(format!("reading {}", path.display()))(e),
        age::DecryptError::InvalidHeader | age::DecryptError::UnknownFormat => {
            not_backup("it is not an age file (or its header is damaged)")
        }
        other => not_backup(&other.to_string()),
    })?;
    if !decryptor.is_scrypt() {
        return Err(not_backup("it is encrypted to a key, not with a password"));
    }
    let mut identity = age::scrypt::Identity::new(SecretString::from(password.to_owned()));
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)).map_err(|e| match e {
        age::DecryptError::DecryptionFailed
        | age::DecryptError::KeyDecryptionFailed
        | age::DecryptError::NoMatchingKeys => BackupError::WrongPassword(path.to_path_buf()),
        age::DecryptError::InvalidMac => {
            BackupError::Damaged { path: path.to_path_buf(), reason: "its header was changed".into() }
        }
        age::DecryptError::ExcessiveWork { required, .. } => {
            not_backup(&format!("it asks for scrypt work 2^{required}, more than kehu accepts (2^{MAX_WORK_FACTOR})"))
        }
        age::DecryptError::Io(e) => BackupError::io(format!("reading {}", path.display()))(e),
        other => not_backup(&other.to_string()),
    })
}

/// A failure while reading the decrypted stream: age authenticates every 64 KiB chunk, so a
/// changed byte or a missing end shows here.
pub(super) fn stream_error(path: &Path, e: io::Error, offset: u64) -> BackupError {
    let damaged = |reason: String| BackupError::Damaged { path: path.to_path_buf(), reason };
    match e.kind() {
        io::ErrorKind::InvalidData => {
            damaged(format!("the data near byte {offset} does not authenticate (changed or corrupted)"))
        }
        io::ErrorKind::UnexpectedEof => damaged(format!("the file ends early (truncated after about {offset} bytes)")),
        _ if e.to_string().contains("decryption error") || e.to_string().contains("last chunk") => {
            damaged(format!("the data near byte {offset} does not authenticate: {e}"))
        }
        _ => BackupError::io(format!("reading {}", path.display()))(e),
    }
}
