//! The archive inside the age file: writing it as a stream (the caller produces JSON parts and
//! attachments, a worker thread tars, encrypts and writes them), and reading one back with
//! every file checked against the manifest.
//!
//! Layout, under one folder so `tar -x` makes a single directory:
//! `README.txt`, `data/<table>/part-0001.json` (a JSON array, one row per line, parts of at most
//! 8 MiB so neither side holds a whole table), `attachments/<id>-<name>`, `manifest.json` last.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::manifest::{FORMAT, FORMAT_VERSION, FileEntry, MANIFEST_NAME, Manifest, PackageKind};
use super::{BackupError, BackupOptions, crypt};
use crate::Result;
use crate::files::{AtomicFile, Existing};
use crate::store::SCHEMA_VERSION;

const PART_BYTES: usize = 8 << 20;
/// No file in a package is larger than an attachment may be (plus room for a JSON part): the
/// one limit of a package's files, which the reader enforces and the writer obeys.
pub(super) const MAX_ENTRY_BYTES: u64 = crate::store::MAX_ATTACHMENT_BYTES as u64 + (1 << 20);

pub(super) fn root_folder(kind: PackageKind) -> &'static str {
    match kind {
        PackageKind::Backup => "kehu-backup",
        PackageKind::Handover => "kehu-handover",
    }
}

enum Entry {
    File {
        path: String,
        data: Vec<u8>,
    },
    /// The last entry: the worker fills in the checksums it computed and writes it.
    Manifest(Box<Manifest>),
}

/// The producer's half: buffers parts and hands them to the worker, which hashes, tars,
/// encrypts and writes them — so reading the database and encrypting overlap on two cores.
pub(super) struct PackageWriter {
    root: &'static str,
    output: PathBuf,
    temp: Option<AtomicFile>,
    sender: Option<SyncSender<Entry>>,
    worker: Option<JoinHandle<Result<Manifest, BackupError>>>,
    pub(super) manifest: Manifest,
}

impl PackageWriter {
    pub(super) fn create(output: &Path, password: &str, options: BackupOptions, manifest: Manifest) -> Result<Self> {
        let parent = match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let temp = AtomicFile::create(output, Existing::Replace)
            .map_err(BackupError::io(format!("creating a file in {}", parent.display())))?;
        let file =
            temp.file().try_clone().map_err(BackupError::io(format!("opening a file in {}", parent.display())))?;
        // Up to 16 parts (≤128 MiB) in flight: the producer keeps reading while the worker
        // derives the scrypt key (~0.5 s) and then catches up.
        let (sender, receiver) = sync_channel::<Entry>(16);
        let mtime = u64::try_from(manifest.created_at.timestamp()).unwrap_or(0);
        let output_name = output.display().to_string();
        let password = Zeroizing::new(password.to_owned());
        let work_factor = options.work_factor;
        let worker = std::thread::Builder::new()
            .name("kehu-backup-writer".into())
            .spawn(move || {
                // scrypt runs here, while the producer already reads the first rows.
                let encryptor = crypt::encryptor(&password, work_factor);
                drop(password);
                write_stream(file, encryptor, &receiver, mtime, &output_name)
            })
            .map_err(BackupError::io("starting the backup writer"))?;
        Ok(PackageWriter {
            root: root_folder(manifest.kind),
            output: output.to_path_buf(),
            temp: Some(temp),
            sender: Some(sender),
            worker: Some(worker),
            manifest,
        })
    }

    fn send(&mut self, entry: Entry) -> Result<()> {
        let sender = self.sender.as_ref().expect("the writer is open until finish");
        if sender.send(entry).is_err() {
            // The worker stopped: its error says why.
            return Err(self
                .join()
                .err()
                .unwrap_or_else(|| BackupError::Invalid("the backup writer stopped".into()).into()));
        }
        Ok(())
    }

    fn join(&mut self) -> Result<Manifest> {
        self.sender = None;
        match self.worker.take().map(JoinHandle::join) {
            Some(Ok(result)) => Ok(result?),
            Some(Err(_)) => Err(BackupError::Invalid("the backup writer crashed".into()).into()),
            None => Err(BackupError::Invalid("the backup writer stopped".into()).into()),
        }
    }

    pub(super) fn add_file(&mut self, path: &str, data: Vec<u8>, records: Option<u64>) -> Result<()> {
        // What the reader would refuse is never written: a backup that says done restores.
        if data.len() as u64 > MAX_ENTRY_BYTES {
            return Err(BackupError::Invalid(format!(
                "{path} would be {} MiB, more than a backup's reader takes ({} MiB): a record is too large to back up",
                data.len() >> 20,
                MAX_ENTRY_BYTES >> 20
            ))
            .into());
        }
        self.manifest.files.push(FileEntry {
            path: path.to_owned(),
            size: data.len() as u64,
            sha256: String::new(), // the worker's to compute
            records,
        });
        self.send(Entry::File { path: format!("{}/{path}", self.root), data })
    }

    /// Writes a table as JSON parts; `rows` calls its argument once per row (a JSON object).
    pub(super) fn add_table(
        &mut self,
        table: &str,
        rows: impl FnOnce(&mut dyn FnMut(&[u8])) -> Result<u64>,
    ) -> Result<()> {
        let mut part = Vec::with_capacity(PART_BYTES + 64 * 1024);
        let mut in_part = 0u64;
        let mut failure: Option<crate::Error> = None;
        let mut part_no = 0;
        let total = {
            let mut emit = |line: &[u8]| {
                if failure.is_some() {
                    return;
                }
                part.extend_from_slice(if in_part == 0 { b"[\n" } else { b",\n" });
                part.extend_from_slice(line);
                in_part += 1;
                if part.len() >= PART_BYTES {
                    // Hand a full part over at once, so memory stays at a few parts.
                    part.extend_from_slice(b"\n]\n");
                    part_no += 1;
                    let data = std::mem::replace(&mut part, Vec::with_capacity(PART_BYTES + 64 * 1024));
                    if let Err(e) = self.add_file(&part_path(table, part_no), data, Some(in_part)) {
                        failure = Some(e);
                    }
                    in_part = 0;
                }
            };
            rows(&mut emit)?
        };
        if let Some(e) = failure {
            return Err(e);
        }
        if in_part > 0 || part_no == 0 {
            part.extend_from_slice(if in_part == 0 { b"[]\n" } else { b"\n]\n" });
            part_no += 1;
            self.add_file(&part_path(table, part_no), part, Some(in_part))?;
        }
        self.manifest.tables.insert(table.to_owned(), total);
        Ok(())
    }

    pub(super) fn add_attachment(&mut self, id: i64, name: &str, data: &[u8]) -> Result<()> {
        self.manifest.attachments += 1;
        self.add_file(&attachment_path(id, name), data.to_vec(), None)
    }

    /// Writes the manifest, waits for the worker, makes the file durable and puts it in place.
    pub(super) fn finish(mut self) -> Result<Manifest> {
        self.send(Entry::Manifest(Box::new(self.manifest.clone())))?;
        let manifest = self.join()?;
        let temp = self.temp.take().expect("the temp file is kept until finish");
        let output = self.output.clone();
        temp.commit().map_err(BackupError::io(format!("writing {}", output.display())))?;
        Ok(manifest)
    }
}

impl Drop for PackageWriter {
    fn drop(&mut self) {
        // Unfinished: stop the worker; the temporary file is removed with `temp`.
        self.sender = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

fn part_path(table: &str, part: usize) -> String {
    format!("data/{table}/part-{part:04}.json")
}

fn attachment_path(id: i64, name: &str) -> String {
    let safe: String =
        name.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c }).take(120).collect();
    let safe = safe.trim_start_matches('.');
    format!("attachments/{id}-{safe}")
}

/// The id an attachment's path starts with.
pub(super) fn attachment_id(path: &str) -> Option<i64> {
    path.strip_prefix("attachments/")?.split('-').next()?.parse().ok()
}

/// The table a JSON part belongs to.
pub(super) fn part_table(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("data/")?;
    let (table, file) = rest.split_once('/')?;
    (file.starts_with("part-") && file.ends_with(".json")).then_some(table)
}

fn write_stream(
    file: File,
    encryptor: age::Encryptor,
    receiver: &Receiver<Entry>,
    mtime: u64,
    output: &str,
) -> Result<Manifest, BackupError> {
    let io_error = |e: io::Error| {
        if e.raw_os_error() == Some(28) {
            BackupError::Io {
                context: format!("writing {output}: the disk is full; the backup was not written"),
                source: e,
            }
        } else {
            BackupError::io(format!("writing {output}"))(e)
        }
    };
    let encrypted = encryptor.wrap_output(BufWriter::with_capacity(1 << 20, file)).map_err(io_error)?;
    let mut tar = tar::Builder::new(encrypted);
    tar.mode(tar::HeaderMode::Deterministic);
    let append = |tar: &mut tar::Builder<_>, path: &str, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, path, data).map_err(io_error)
    };
    let mut checksums = Vec::new();
    let mut manifest = None;
    for entry in receiver {
        match entry {
            Entry::File { path, data } => {
                checksums.push(hex::encode(Sha256::digest(&data)));
                append(&mut tar, &path, &data)?;
            }
            Entry::Manifest(mut last) => {
                for (file, sha256) in last.files.iter_mut().zip(checksums.drain(..)) {
                    file.sha256 = sha256;
                }
                let json = serde_json::to_vec_pretty(&last).expect("a manifest serialises");
                let root = root_folder(last.kind);
                append(&mut tar, &format!("{root}/{MANIFEST_NAME}"), &json)?;
                manifest = Some(*last);
                break;
            }
        }
    }
    let manifest = manifest.ok_or_else(|| BackupError::Invalid("the backup was stopped before its end".into()))?;
    let encrypted = tar.into_inner().map_err(io_error)?;
    let buffered = encrypted.finish().map_err(io_error)?;
    let file = buffered.into_inner().map_err(|e| io_error(e.into_error()))?;
    file.sync_all().map_err(io_error)?;
    Ok(manifest)
}

/// Counts the bytes read from the file, so a damaged spot can be named by its offset.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Decrypts `path`, hands each file but the manifest to `visit` (path inside the package,
/// bytes), then checks everything seen against the manifest. Returns the manifest.
pub(super) fn read_package(
    path: &Path,
    password: &str,
    mut visit: impl FnMut(&str, &[u8]) -> Result<()>,
) -> Result<Manifest> {
    let damaged = |reason: String| BackupError::Damaged { path: path.to_path_buf(), reason };
    let file = File::open(path).map_err(BackupError::io(format!("opening {}", path.display())))?;
    let count = Rc::new(Cell::new(0));
    let counting = Counting { inner: file, count: Rc::clone(&count) };
    let plain = crypt::decrypt(BufReader::with_capacity(1 << 20, counting), password, path)?;
    let mut archive = tar::Archive::new(plain);
    let mut seen: Vec<FileEntry> = Vec::new();
    let mut manifest: Option<Manifest> = None;
    let mut root: Option<String> = None;
    let read_error = |e: io::Error| crypt::stream_error(path, e, count.get());
    for entry in archive.entries().map_err(read_error)? {
        let mut entry = entry.map_err(read_error)?;
        let full = entry.path().map_err(read_error)?.to_string_lossy().into_owned();
        let (top, rel) = full.split_once('/').unwrap_or(("", &full));
        match &root {
            None => root = Some(top.to_owned()),
            Some(r) if r != top => return Err(damaged(format!("unexpected file {full} outside {r}/")).into()),
            Some(_) => {}
        }
        let rel = rel.to_owned();
        if manifest.is_some() {
            return Err(damaged(format!("{rel} follows the manifest")).into());
        }
        // The size the entry is read with: a PAX `size=` record overrides the header's.
        let size = entry.size();
        if size > MAX_ENTRY_BYTES {
            return Err(damaged(format!("{rel} claims {size} bytes, more than a package's file may hold")).into());
        }
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        (&mut entry).take(MAX_ENTRY_BYTES + 1).read_to_end(&mut data).map_err(read_error)?;
        if data.len() as u64 > MAX_ENTRY_BYTES {
            return Err(damaged(format!("{rel} is larger than a package's file may be")).into());
        }
        if rel == MANIFEST_NAME {
            let parsed: Manifest = serde_json::from_slice(&data).map_err(|e| BackupError::NotABackup {
                path: path.to_path_buf(),
                reason: format!("its manifest does not parse: {e}"),
            })?;
            manifest = Some(parsed);
            continue;
        }
        let records = match part_table(&rel) {
            Some(_) => Some(
                serde_json::from_slice::<Vec<serde::de::IgnoredAny>>(&data)
                    .map_err(|e| damaged(format!("{rel} is not a JSON array of rows: {e}")))?
                    .len() as u64,
            ),
            None => None,
        };
        seen.push(FileEntry {
            path: rel.clone(),
            size: data.len() as u64,
            sha256: hex::encode(Sha256::digest(&data)),
            records,
        });
        visit(&rel, &data)?;
    }
    // The age stream must also end where its last chunk says it does.
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|e| crypt::stream_error(path, e, count.get()))?;
    let manifest = manifest.ok_or_else(|| damaged("it has no manifest (truncated, or not a kehu backup)".into()))?;
    check_against(&manifest, &seen, path)?;
    Ok(manifest)
}

fn check_against(manifest: &Manifest, seen: &[FileEntry], path: &Path) -> Result<(), BackupError> {
    let damaged = |reason: String| BackupError::Damaged { path: path.to_path_buf(), reason };
    if manifest.format != FORMAT {
        return Err(BackupError::NotABackup {
            path: path.to_path_buf(),
            reason: format!("format '{}'", manifest.format),
        });
    }
    if manifest.format_version > FORMAT_VERSION || manifest.schema_version > SCHEMA_VERSION {
        return Err(BackupError::TooNew {
            path: path.to_path_buf(),
            found: manifest.format_version,
            schema: manifest.schema_version,
        });
    }
    for (i, listed) in manifest.files.iter().enumerate() {
        let Some(found) = seen.get(i) else {
            return Err(damaged(format!("{} is missing", listed.path)));
        };
        if found.path != listed.path {
            return Err(damaged(format!("found {} where the manifest lists {}", found.path, listed.path)));
        }
        if found != listed {
            return Err(damaged(format!("{} does not match its checksum", listed.path)));
        }
    }
    if let Some(extra) = seen.get(manifest.files.len()) {
        return Err(damaged(format!("{} is not in the manifest", extra.path)));
    }
    let mut totals = std::collections::BTreeMap::<String, u64>::new();
    for file in seen {
        if let (Some(table), Some(records)) = (part_table(&file.path), file.records) {
            *totals.entry(table.to_owned()).or_default() += records;
        }
    }
    if totals != manifest.tables {
        return Err(damaged("the row counts differ from the manifest's".into()));
    }
    let attachments = seen.iter().filter(|f| f.path.starts_with("attachments/")).count() as u64;
    if attachments != manifest.attachments {
        return Err(damaged("the attachment count differs from the manifest's".into()));
    }
    Ok(())
}

/// Calls `visit` with each row of a JSON part in turn, never holding more than one row parsed
/// (a part of 100 MiB parsed whole as JSON maps took some 7 GiB).
pub(super) fn each_row(
    path: &Path,
    name: &str,
    data: &[u8],
    mut visit: impl FnMut(crate::store::Row) -> Result<()>,
) -> Result<()> {
    use serde::de::{Deserializer as _, Error as _, SeqAccess, Visitor};

    struct Rows<'a, F> {
        visit: &'a mut F,
        failure: &'a mut Option<crate::Error>,
    }
    impl<'de, F: FnMut(crate::store::Row) -> Result<()>> Visitor<'de> for Rows<'_, F> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON array of rows")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
            while let Some(row) = seq.next_element::<crate::store::Row>()? {
                if let Err(e) = (self.visit)(row) {
                    *self.failure = Some(e);
                    return Err(A::Error::custom("stopped"));
                }
            }
            Ok(())
        }
    }

    let mut failure = None;
    let mut de = serde_json::Deserializer::from_slice(data);
    let parsed = de.deserialize_seq(Rows { visit: &mut visit, failure: &mut failure }).and_then(|()| de.end());
    if let Some(e) = failure {
        return Err(e);
    }
    parsed.map_err(|e| BackupError::Damaged { path: path.to_path_buf(), reason: format!("{name}: {e}") }.into())
}
