//! An encrypting tantivy `Directory`: every index file on disk is authenticated ciphertext, read
//! back by random access without decrypting whole files.
//!
//! Why files and not chunks inside the SQLCipher database: tantivy reads small random ranges
//! (skip lists, postings blocks) at a high rate; a file chunk costs one `pread` and one
//! XChaCha20-Poly1305 open (≈10 µs for 16 KiB), while a database chunk costs a B-tree lookup and
//! the decryption and HMAC of every 4 KiB page it spans, and every index write would also pass
//! through the WAL twice. The segment files are immutable, so a small cache of decrypted chunks
//! serves reader reloads without decrypting anything again. The files tantivy reads whole or at
//! every search — term dictionaries, fast fields, field norms, the doc store — are kept decrypted
//! whole (tens of MB for a million notes), so opening a column is a slice, not a copy; postings
//! and positions go through a bounded cache of decrypted chunks.
//!
//! File layout, with `K` the search subkey (HKDF of the data key), `C` = 16 KiB:
//!
//! ```text
//! file      = "KEHUIX01" ‖ P ‖ c_0 ‖ … ‖ c_{n-1}          P: 16 random bytes per written file
//! c_i       = XChaCha20-Poly1305(K, nonce_i, m_i, aad_i)  m_i: bytes [iC, min((i+1)C, len))
//! nonce_i   = P ‖ be64(i)
//! aad_i     = name ‖ 0x00 ‖ last_i                        last_i = 1 for the final chunk only
//! ```
//!
//! Binding the name stops files being swapped; the chunk index in the nonce stops reordering;
//! the last-chunk flag stops truncation at a chunk boundary; an empty file is one empty final
//! chunk. A write goes to `name.tmp`, is fsynced after its last tag, renamed, and the folder is
//! fsynced — before tantivy writes the `meta.json` that names it (the seshat failure to avoid was
//! publishing a file whose MAC had not reached the disk). A chunk that fails authentication is an
//! `InvalidData` error, which the index answers with a rebuild from the database.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use lru::LruCache;
use tantivy::Directory;
use tantivy::HasLen;
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, DirectoryLock, FileHandle, Lock, OwnedBytes, TerminatingWrite, WatchCallback, WatchHandle, WritePtr,
};
use zeroize::Zeroizing;

use super::locks::LockTable;

const MAGIC: &[u8; 8] = b"KEHUIX01";
const PREFIX_LEN: usize = 16;
const HEADER_LEN: usize = MAGIC.len() + PREFIX_LEN;
const CHUNK: usize = 16 * 1024;
const TAG: usize = 16;
/// Decrypted chunks kept for reuse: 4096 × 16 KiB = 64 MiB at most.
const CACHE_CHUNKS: usize = 4096;

type ChunkCache = Mutex<LruCache<([u8; PREFIX_LEN], u64), Arc<[u8]>>>;
type WholeFiles = Mutex<std::collections::HashMap<PathBuf, Arc<[u8]>>>;

/// Files read whole or on every search: decrypted once and kept while they exist.
fn kept_whole(path: &Path) -> bool {
    path.extension().is_some_and(|e| matches!(e.to_str(), Some("term" | "fast" | "fieldnorm" | "store")))
}

/// The index folder, encrypted under one key.
#[derive(Clone)]
pub struct EncryptedDirectory {
    root: PathBuf,
    key: Arc<Zeroizing<[u8; 32]>>,
    cache: Arc<ChunkCache>,
    whole: Arc<WholeFiles>,
    locks: Arc<LockTable>,
}

impl std::fmt::Debug for EncryptedDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedDirectory").field("root", &self.root).finish_non_exhaustive()
    }
}

fn invalid(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

fn nonce(prefix: &[u8; PREFIX_LEN], index: u64) -> [u8; 24] {
    let mut nonce = [0u8; 24];
    nonce[..PREFIX_LEN].copy_from_slice(prefix);
    nonce[PREFIX_LEN..].copy_from_slice(&index.to_be_bytes());
    nonce
}

fn aad(name: &str, last: bool) -> Vec<u8> {
    let mut aad = name.as_bytes().to_vec();
    aad.push(0);
    aad.push(u8::from(last));
    aad
}

fn name_of(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

impl EncryptedDirectory {
    /// Opens (creating) the folder; leftover `.tmp` files of an interrupted write are removed.
    pub fn open(root: &Path, key: &[u8; 32]) -> io::Result<Self> {
        fs::create_dir_all(root)?;
        for entry in fs::read_dir(root)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "tmp") {
                fs::remove_file(&path)?;
            }
        }
        Ok(EncryptedDirectory {
            root: root.to_path_buf(),
            key: Arc::new(Zeroizing::new(*key)),
            cache: Arc::new(Mutex::new(LruCache::new(CACHE_CHUNKS.try_into().expect("non-zero")))),
            whole: Arc::new(Mutex::new(std::collections::HashMap::new())),
            locks: Arc::new(LockTable::default()),
        })
    }

    /// Whether an index was ever committed here.
    pub fn root_has_meta(&self) -> bool {
        self.root.join("meta.json").is_file()
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new_from_slice(self.key.as_ref().as_ref()).expect("32-byte key")
    }

    fn writer(&self, path: &Path) -> io::Result<EncryptingWriter> {
        let final_path = self.root.join(path);
        let tmp_path = self.root.join(format!("{}.tmp", path.display()));
        let file = File::create(&tmp_path)?;
        let mut prefix = [0u8; PREFIX_LEN];
        getrandom::fill(&mut prefix).map_err(|e| io::Error::other(e.to_string()))?;
        let mut out = BufWriter::with_capacity(4 * (CHUNK + TAG), file);
        out.write_all(MAGIC)?;
        out.write_all(&prefix)?;
        Ok(EncryptingWriter {
            out: Some(out),
            cipher: self.cipher(),
            prefix,
            name: name_of(path),
            index: 0,
            pending: Vec::with_capacity(CHUNK),
            tmp_path,
            final_path,
            root: self.root.clone(),
        })
    }
}

/// Buffers one chunk; a full chunk is sealed only when more data comes, since only then is it
/// known not to be the last.
struct EncryptingWriter {
    out: Option<BufWriter<File>>,
    cipher: XChaCha20Poly1305,
    prefix: [u8; PREFIX_LEN],
    name: String,
    index: u64,
    pending: Vec<u8>,
    tmp_path: PathBuf,
    final_path: PathBuf,
    root: PathBuf,
}

impl EncryptingWriter {
    fn seal_pending(&mut self, last: bool) -> io::Result<()> {
        let mut chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK));
        let nonce = nonce(&self.prefix, self.index);
        self.cipher
            .encrypt_in_place(&nonce.into(), &aad(&self.name, last), &mut chunk)
            .map_err(|_| io::Error::other("index encryption failed"))?;
        self.out.as_mut().ok_or_else(|| io::Error::other("written after terminate"))?.write_all(&chunk)?;
        zeroize::Zeroize::zeroize(&mut chunk);
        self.index += 1;
        Ok(())
    }
}

impl Write for EncryptingWriter {
    fn write(&mut self, mut buf: &[u8]) -> io::Result<usize> {
        let written = buf.len();
        while !buf.is_empty() {
            if self.pending.len() == CHUNK {
                self.seal_pending(false)?;
            }
            let take = (CHUNK - self.pending.len()).min(buf.len());
            self.pending.extend_from_slice(&buf[..take]);
            buf = &buf[take..];
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        // Durability comes with terminate; a partial chunk cannot be sealed early.
        Ok(())
    }
}

impl TerminatingWrite for EncryptingWriter {
    fn terminate_ref(&mut self, _: AntiCallToken) -> io::Result<()> {
        self.seal_pending(true)?;
        let out = self.out.take().ok_or_else(|| io::Error::other("terminated twice"))?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&self.tmp_path, &self.final_path)?;
        File::open(&self.root)?.sync_all()
    }
}

impl Drop for EncryptingWriter {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.pending);
        if self.out.is_some() {
            let _ = fs::remove_file(&self.tmp_path);
        }
    }
}

/// An open encrypted file: its plaintext length and random access to its chunks.
struct EncryptedFile {
    file: File,
    name: String,
    prefix: [u8; PREFIX_LEN],
    len: usize,
    chunks: u64,
    cipher: XChaCha20Poly1305,
    cache: Arc<ChunkCache>,
}

impl std::fmt::Debug for EncryptedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedFile").field("name", &self.name).field("len", &self.len).finish()
    }
}

impl EncryptedFile {
    fn open(dir: &EncryptedDirectory, path: &Path) -> io::Result<EncryptedFile> {
        let name = name_of(path);
        let file = File::open(dir.root.join(path))?;
        let size = usize::try_from(file.metadata()?.len()).map_err(|_| invalid(format!("{name} is too large")))?;
        let mut header = [0u8; HEADER_LEN];
        if size < HEADER_LEN + TAG {
            return Err(invalid(format!("index file {name} is truncated")));
        }
        file.read_exact_at(&mut header, 0)?;
        if &header[..MAGIC.len()] != MAGIC {
            return Err(invalid(format!("index file {name} is not a kehu index file")));
        }
        let body = size - HEADER_LEN;
        let chunks = body.div_ceil(CHUNK + TAG);
        let len = body - chunks * TAG;
        let mut prefix = [0u8; PREFIX_LEN];
        prefix.copy_from_slice(&header[MAGIC.len()..]);
        Ok(EncryptedFile {
            file,
            name,
            prefix,
            len,
            chunks: chunks as u64,
            cipher: dir.cipher(),
            cache: dir.cache.clone(),
        })
    }

    fn chunk(&self, index: u64) -> io::Result<Arc<[u8]>> {
        let cache_key = (self.prefix, index);
        if let Some(chunk) = self.cache.lock().expect("cache lock").get(&cache_key) {
            return Ok(chunk.clone());
        }
        let chunk = self.decrypt_chunk(index)?;
        self.cache.lock().expect("cache lock").put(cache_key, chunk.clone());
        Ok(chunk)
    }

    fn decrypt_chunk(&self, index: u64) -> io::Result<Arc<[u8]>> {
        let last = index + 1 == self.chunks;
        let start = index as usize * CHUNK;
        let plain_len = if last { self.len - start } else { CHUNK };
        let mut buf = vec![0u8; plain_len + TAG];
        self.file.read_exact_at(&mut buf, (HEADER_LEN + index as usize * (CHUNK + TAG)) as u64)?;
        self.cipher
            .decrypt_in_place(&nonce(&self.prefix, index).into(), &aad(&self.name, last), &mut buf)
            .map_err(|_| invalid(format!("index file {} chunk {index} does not authenticate", self.name)))?;
        buf.truncate(plain_len);
        Ok(Arc::from(buf.into_boxed_slice()))
    }

    fn read_all(&self) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len);
        for i in 0..self.chunks {
            out.extend_from_slice(&self.chunk(i)?);
        }
        Ok(out)
    }
}

impl HasLen for EncryptedFile {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for EncryptedFile {
    fn read_bytes(&self, range: std::ops::Range<usize>) -> io::Result<OwnedBytes> {
        if range.end > self.len || range.start > range.end {
            return Err(invalid(format!("read {range:?} past the end of {} ({} bytes)", self.name, self.len)));
        }
        if range.is_empty() {
            return Ok(OwnedBytes::empty());
        }
        let first = (range.start / CHUNK) as u64;
        let last = ((range.end - 1) / CHUNK) as u64;
        if first == last {
            // Within one chunk: share the cached chunk, no copy.
            let offset = first as usize * CHUNK;
            return Ok(OwnedBytes::new(self.chunk(first)?).slice(range.start - offset..range.end - offset));
        }
        let mut out = Vec::with_capacity(range.len());
        for i in first..=last {
            let chunk = self.chunk(i)?;
            let offset = i as usize * CHUNK;
            let from = range.start.max(offset) - offset;
            let to = range.end.min(offset + chunk.len()) - offset;
            out.extend_from_slice(&chunk[from..to]);
        }
        Ok(OwnedBytes::new(out))
    }
}

/// A file kept decrypted whole: every read is a slice of it.
#[derive(Debug)]
struct WholeFile(Arc<[u8]>);

impl HasLen for WholeFile {
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl FileHandle for WholeFile {
    fn read_bytes(&self, range: std::ops::Range<usize>) -> io::Result<OwnedBytes> {
        if range.end > self.0.len() || range.start > range.end {
            return Err(invalid(format!("read {range:?} past the end ({} bytes)", self.0.len())));
        }
        Ok(OwnedBytes::new(self.0.clone()).slice(range))
    }
}

impl EncryptedDirectory {
    fn whole_file(&self, path: &Path) -> io::Result<Arc<[u8]>> {
        if let Some(data) = self.whole.lock().expect("whole-file lock").get(path) {
            return Ok(data.clone());
        }
        let file = EncryptedFile::open(self, path)?;
        let mut data = Vec::with_capacity(file.len);
        for i in 0..file.chunks {
            // Straight from disk: these bytes are kept here, so they need not pass the chunk cache.
            data.extend_from_slice(&file.decrypt_chunk(i)?);
        }
        let data: Arc<[u8]> = Arc::from(data.into_boxed_slice());
        self.whole.lock().expect("whole-file lock").insert(path.to_path_buf(), data.clone());
        Ok(data)
    }
}

impl Directory for EncryptedDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let opened: io::Result<Arc<dyn FileHandle>> = if kept_whole(path) {
            self.whole_file(path).map(|data| Arc::new(WholeFile(data)) as Arc<dyn FileHandle>)
        } else {
            EncryptedFile::open(self, path).map(|f| Arc::new(f) as Arc<dyn FileHandle>)
        };
        match opened {
            Ok(file) => Ok(file),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(OpenReadError::FileDoesNotExist(path.to_path_buf())),
            Err(e) => Err(OpenReadError::wrap_io_error(e, path.to_path_buf())),
        }
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.whole.lock().expect("whole-file lock").remove(path);
        match fs::remove_file(self.root.join(path)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(DeleteError::FileDoesNotExist(path.to_path_buf())),
            Err(e) => Err(DeleteError::IoError { io_error: Arc::new(e), filepath: path.to_path_buf() }),
        }
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        Ok(self.root.join(path).exists())
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        if self.root.join(path).exists() {
            return Err(OpenWriteError::FileAlreadyExists(path.to_path_buf()));
        }
        let writer = self.writer(path).map_err(|e| OpenWriteError::wrap_io_error(e, path.to_path_buf()))?;
        Ok(BufWriter::new(Box::new(writer)))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        match EncryptedFile::open(self, path).and_then(|f| f.read_all()) {
            Ok(data) => Ok(data),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(OpenReadError::FileDoesNotExist(path.to_path_buf())),
            Err(e) => Err(OpenReadError::wrap_io_error(e, path.to_path_buf())),
        }
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let mut writer = self.writer(path)?;
        writer.write_all(data)?;
        writer.terminate()
    }

    fn sync_directory(&self) -> io::Result<()> {
        File::open(&self.root)?.sync_all()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        // In memory: a lock file would outlive a kill -9 and block the next open, and the
        // notebook's own flock already keeps every other process out.
        self.locks.acquire(lock)
    }

    fn watch(&self, _callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        // Readers are reloaded by hand after each commit.
        Ok(WatchHandle::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> (tempfile::TempDir, EncryptedDirectory) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = EncryptedDirectory::open(tmp.path(), &[3u8; 32]).unwrap();
        (tmp, dir)
    }

    #[test]
    fn round_trips_every_size_and_random_ranges() {
        let (_tmp, dir) = dir();
        for size in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 77] {
            let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            let path = PathBuf::from(format!("f{size}"));
            let mut w = dir.open_write(&path).unwrap();
            for part in data.chunks(1000) {
                w.write_all(part).unwrap();
            }
            w.into_inner().map_err(io::IntoInnerError::into_error).unwrap().terminate().unwrap();
            let handle = dir.get_file_handle(&path).unwrap();
            assert_eq!(handle.len(), size);
            assert_eq!(handle.read_bytes(0..size).unwrap().as_slice(), &data[..]);
            for (a, b) in [(0, size / 2), (size / 3, size), (size.saturating_sub(5), size)] {
                assert_eq!(handle.read_bytes(a..b).unwrap().as_slice(), &data[a..b]);
            }
        }
        dir.atomic_write(Path::new("meta.json"), b"{\"x\":1}").unwrap();
        assert_eq!(dir.atomic_read(Path::new("meta.json")).unwrap(), b"{\"x\":1}");
        assert!(!dir.root.join("meta.json.tmp").exists());
    }

    #[test]
    fn tampering_truncation_and_swapping_are_detected() {
        let (_tmp, dir) = dir();
        let data = vec![42u8; 2 * CHUNK + 10];
        dir.atomic_write(Path::new("a"), &data).unwrap();
        dir.atomic_write(Path::new("b"), &data).unwrap();
        let path = dir.root.join("a");
        let original = fs::read(&path).unwrap();

        let mut flipped = original.clone();
        flipped[HEADER_LEN + CHUNK + 5] ^= 1;
        fs::write(&path, &flipped).unwrap();
        let fresh = EncryptedDirectory::open(&dir.root, &[3u8; 32]).unwrap();
        let err = fresh.atomic_read(Path::new("a")).unwrap_err();
        assert!(err.to_string().contains("does not authenticate"), "{err}");

        // Truncated at a chunk boundary: the new last chunk was not sealed as last.
        fs::write(&path, &original[..HEADER_LEN + 2 * (CHUNK + TAG)]).unwrap();
        let fresh = EncryptedDirectory::open(&dir.root, &[3u8; 32]).unwrap();
        assert!(fresh.atomic_read(Path::new("a")).is_err());

        // A file renamed over another does not open under the other's name.
        fs::copy(dir.root.join("b"), &path).unwrap();
        let fresh = EncryptedDirectory::open(&dir.root, &[3u8; 32]).unwrap();
        assert!(fresh.atomic_read(Path::new("a")).is_err());

        let wrong_key = EncryptedDirectory::open(&dir.root, &[4u8; 32]).unwrap();
        assert!(wrong_key.atomic_read(Path::new("b")).is_err());
    }

    #[test]
    fn files_do_not_compress_and_hold_no_plaintext() {
        let (_tmp, dir) = dir();
        let text = "客户合同续签 kehucanary ".repeat(5000);
        dir.atomic_write(Path::new("x"), text.as_bytes()).unwrap();
        let raw = fs::read(dir.root.join("x")).unwrap();
        assert!(!raw.windows(10).any(|w| w == b"kehucanary"));
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&raw).unwrap();
        assert!(e.finish().unwrap().len() as f64 > raw.len() as f64 * 0.99);
    }
}
