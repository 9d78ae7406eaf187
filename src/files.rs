//! Files the user asked for, written where they chose: beside the target under a private (0600)
//! temporary name that is never a symlink's target, made durable, then renamed into place — so
//! an interrupted save leaves the old file, a symlink at the target is replaced rather than
//! followed, and nobody else on the machine can read the plaintext copy.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether a file already at the target may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// The user chose to (a save dialog asked them, or `--force`).
    Replace,
    /// Refused with `AlreadyExists`.
    Keep,
}

/// A file being written for the user: a private temporary file beside the target, named
/// `.{name}.{pid}.{random}.partial`, that becomes the target only by [`AtomicFile::commit`]
/// (fsync, rename, fsync the folder). Dropped without a commit, it is removed; one left by a
/// process that was killed is removed by the next write to the same target.
#[derive(Debug)]
pub struct AtomicFile {
    temp: tempfile::NamedTempFile,
    path: PathBuf,
    existing: Existing,
}

impl AtomicFile {
    /// Starts writing `path`; with [`Existing::Keep`], a file (or symlink) there is refused now
    /// and again at the rename, which never replaces one that appeared meanwhile.
    pub fn create(path: &Path, existing: Existing) -> std::io::Result<AtomicFile> {
        if existing == Existing::Keep && path.symlink_metadata().is_ok() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} exists; it is not replaced unless asked", path.display()),
            ));
        }
        let dir = folder_of(path);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        remove_stale_partials(dir, name);
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}.{}.", std::process::id()))
            .suffix(".partial")
            .tempfile_in(dir)?;
        Ok(AtomicFile { temp, path: path.to_path_buf(), existing })
    }

    /// The file written to (open for writing and reading).
    pub fn file(&self) -> &File {
        self.temp.as_file()
    }

    /// Makes what was written durable and puts it in place of the target.
    pub fn commit(self) -> std::io::Result<()> {
        self.temp.as_file().sync_all()?;
        match self.existing {
            Existing::Replace => self.temp.persist(&self.path).map_err(|e| e.error)?,
            Existing::Keep => self.temp.persist_noclobber(&self.path).map_err(|e| e.error)?,
        };
        File::open(folder_of(&self.path))?.sync_all()
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.temp.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.temp.flush()
    }
}

impl std::io::Seek for AtomicFile {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.temp.seek(pos)
    }
}

/// Writes `bytes` to `path` as the module says.
pub fn save(path: &Path, bytes: &[u8], existing: Existing) -> std::io::Result<()> {
    let mut file = AtomicFile::create(path, existing)?;
    file.write_all(bytes)?;
    file.commit()
}

fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Removes the partial files of `name` that processes no longer running left in `folder`.
fn remove_stale_partials(folder: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else { continue };
        let Some(pid) = rest.strip_suffix(".partial").and_then(|r| r.split('.').next()) else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
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

    #[test]
    fn an_uncommitted_file_leaves_nothing_and_a_killed_writers_partial_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("客户.xlsx");
        let mut file = AtomicFile::create(&target, Existing::Keep).unwrap();
        file.write_all(b"half").unwrap();
        drop(file);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing is left behind");
        // Pid 4194304 is above the kernel's limit: no process has it.
        let stale = dir.path().join(".客户.xlsx.4194304.Ab12Cd.partial");
        std::fs::write(&stale, b"half an export").unwrap();
        let unrelated = dir.path().join(".other.xlsx.4194304.Ab12Cd.partial");
        std::fs::write(&unrelated, b"not ours").unwrap();
        save(&target, b"whole", Existing::Keep).unwrap();
        assert!(!stale.exists() && unrelated.exists());
        assert_eq!(std::fs::read(&target).unwrap(), b"whole");
    }
}
