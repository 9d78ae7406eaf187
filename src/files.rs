//! Files the user asked for, written where they chose: beside the target under a private (0600)
//! temporary name that is never a symlink's target, made durable, then renamed into place — so
//! an interrupted save leaves the old file, a symlink at the target is replaced rather than
//! followed, and nobody else on the machine can read the plaintext copy.

use std::io::Write;
use std::path::Path;

/// Whether a file already at the target may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// The user chose to (a save dialog asked them, or `--force`).
    Replace,
    /// Refused with `AlreadyExists`.
    Keep,
}

/// Writes `bytes` to `path` as the module says.
pub fn save(path: &Path, bytes: &[u8], existing: Existing) -> std::io::Result<()> {
    if existing == Existing::Keep && path.symlink_metadata().is_ok() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} exists; it is not replaced unless asked", path.display()),
        ));
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new().prefix(".kehu-").suffix(".part").tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    match existing {
        Existing::Replace => temp.persist(path).map_err(|e| e.error)?,
        Existing::Keep => temp.persist_noclobber(path).map_err(|e| e.error)?,
    };
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// Makes a file kehu wrote for the user readable by them only.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn saved_files_are_private_never_follow_a_symlink_and_keep_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("合同.pdf");
        save(&target, b"one", Existing::Keep).unwrap();
        assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
        let err = save(&target, b"two", Existing::Keep).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        // A symlink at the target pointing elsewhere: the link is replaced, its target untouched.
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, b"precious").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        assert!(save(&link, b"x", Existing::Keep).is_err());
        save(&link, b"x", Existing::Replace).unwrap();
        assert_eq!(std::fs::read(&elsewhere).unwrap(), b"precious");
        assert!(!std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    }
}
