//! Reading a file with a limit, whatever the file says: its size is checked before anything is
//! read, and no more than the limit is ever read (a pipe, `/dev/zero` or a file that grows says
//! nothing of its size). Every input kehu takes from a path or a stream is read through here.

use std::io::Read;
use std::path::Path;

/// A ledger, contact file or kehu JSON to import: far beyond any real one, well within memory.
pub const MAX_IMPORT_BYTES: u64 = 512 << 20;
/// A text given as a file (a note's body, a mapping): a note holds at most a million characters.
pub const MAX_TEXT_BYTES: u64 = 4 << 20;
/// A password from a file or standard input.
pub const MAX_PASSWORD_BYTES: u64 = 4 << 10;
/// A small settings or header file.
pub const MAX_SMALL_FILE_BYTES: u64 = 1 << 20;

fn too_large(what: &str, max: u64) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::FileTooLarge, format!("{what} is larger than {}", human(max)))
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 { format!("{} MiB", bytes >> 20) } else { format!("{} KiB", bytes >> 10) }
}

/// Reads at most `max` bytes from `reader`; more is an error.
pub fn read_limited(reader: impl Read, max: u64, what: &str) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    reader.take(max + 1).read_to_end(&mut data)?;
    if data.len() as u64 > max {
        return Err(too_large(what, max));
    }
    Ok(data)
}

/// Reads the file at `path`, refusing one larger than `max` before reading it.
pub fn read_file(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let what = format!("the file {}", path.display());
    if file.metadata()?.len() > max {
        return Err(too_large(&what, max));
    }
    read_limited(file, max, &what)
}

/// [`read_file`] as UTF-8 text.
pub fn read_text_file(path: &Path, max: u64) -> std::io::Result<String> {
    String::from_utf8(read_file(path, max)?).map_err(|_| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{} is not UTF-8 text", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endless_and_large_inputs_are_refused_after_the_limit() {
        let err = read_limited(std::io::repeat(0), 1024, "standard input").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
        assert_eq!(read_limited(&b"abc"[..], 3, "x").unwrap(), b"abc");
        let err = read_file(Path::new("/dev/zero"), 1 << 10).unwrap_err();
        assert!(err.to_string().contains("/dev/zero is larger than 1 KiB"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::File::create(&big).unwrap().set_len(3 << 20).unwrap();
        let err = read_file(&big, 1 << 20).unwrap_err();
        assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
    }
}
