//! Notices committed changes lost with the write-ahead log. SQLite reads a missing WAL, or one
//! whose frames stop authenticating, as "nothing more was committed" and opens without those
//! changes, silently. So a marker beside the database says a session has it open in WAL mode
//! (removed when the connection has closed, the WAL checkpointed into the database), and before
//! SQLite reads the files the WAL is checked by hand: a marker left by a session that did not
//! close with no WAL beside it, or a WAL whose frame checksums break before a later commit, means
//! committed changes were lost. What is found is kept in a small file of its own (when, and the
//! frame: no user data) until `kehu check --repair` acknowledges it, so `kehu check` keeps saying so.
//!
//! The WAL's layout and checksum are SQLite's file format (<https://sqlite.org/fileformat.html>,
//! "The Write-Ahead Log"); SQLite offers no API to ask which frames it discarded, hence by hand.
//! SQLCipher encrypts the pages inside the frames, not the headers, and the checksums are over
//! the bytes as written, so the check needs no key.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Beside `notebook.db`: `notebook.db-open` while a session has it open.
const MARKER_SUFFIX: &str = "-open";
/// Beside `notebook.db`: `notebook.db-lost`, what was found lost, until acknowledged.
const LOST_SUFFIX: &str = "-lost";

const WAL_HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// What the marker says the session keeps its committed changes in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Journal {
    /// The WAL: it must be there after a crash.
    Wal,
    /// A rollback journal (a bulk write): no WAL is expected meanwhile.
    Rollback,
}

/// The session's marker; dropped after the connection it guards has closed.
pub(crate) struct SessionMarker {
    path: PathBuf,
}

impl SessionMarker {
    /// Marks the database at `db` open. A marker that cannot be written only costs the check
    /// its evidence, so it is logged, not fatal.
    pub(crate) fn arm(db: &Path) -> Option<SessionMarker> {
        let marker = SessionMarker { path: beside(db, MARKER_SUFFIX) };
        match marker.set(Journal::Wal) {
            Ok(()) => Some(marker),
            Err(e) => {
                tracing::warn!("the session marker {} was not written: {e}", marker.path.display());
                None
            }
        }
    }

    /// Says where committed changes are kept from now on; durable before it returns.
    pub(crate) fn set(&self, journal: Journal) -> std::io::Result<()> {
        let text: &[u8] = match journal {
            Journal::Wal => b"wal\n",
            Journal::Rollback => b"rollback\n",
        };
        let mut file = fs::File::create(&self.path)?;
        file.write_all(text)?;
        file.sync_all()?;
        if let Some(dir) = self.path.parent() {
            fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

impl Drop for SessionMarker {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Committed changes found lost with the write-ahead log, and when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LostWrites {
    /// When it was found (the open after the crash).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub found_at: chrono::DateTime<chrono::Utc>,
    /// The WAL's first frame that failed its checksum; none when the WAL was missing.
    pub damaged_frame: Option<usize>,
}

impl std::fmt::Display for LostWrites {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: ", crate::clock::to_db(&self.found_at))?;
        match self.damaged_frame {
            None => f.write_str(
                "the write-ahead log (notebook.db-wal) of a session that did not close was missing: the changes \
                 committed in that session since its last checkpoint are lost",
            ),
            Some(frame) => write!(
                f,
                "the write-ahead log (notebook.db-wal) was damaged at frame {frame}: the changes committed after it are lost"
            ),
        }
    }
}

impl LostWrites {
    /// One line of `notebook.db-lost`: `TIME missing` or `TIME damaged FRAME`.
    fn line(&self) -> String {
        let at = crate::clock::to_db(&self.found_at);
        match self.damaged_frame {
            None => format!("{at} missing"),
            Some(frame) => format!("{at} damaged {frame}"),
        }
    }

    fn parse(line: &str) -> Option<LostWrites> {
        let mut words = line.split_whitespace();
        let found_at = crate::clock::from_db(words.next()?)?;
        let damaged_frame = match (words.next()?, words.next()) {
            ("missing", None) => None,
            ("damaged", Some(frame)) => Some(frame.parse().ok()?),
            _ => return None,
        };
        Some(LostWrites { found_at, damaged_frame })
    }
}

/// Looks at the files beside the database at `db` before SQLite does, and keeps what it finds
/// lost (see [`lost`]). Returns the finding of this look, if any.
pub(crate) fn inspect(db: &Path) -> std::io::Result<Option<LostWrites>> {
    let marker = match fs::read(beside(db, MARKER_SUFFIX)) {
        Ok(text) if text.starts_with(b"rollback") => Some(Journal::Rollback),
        Ok(_) => Some(Journal::Wal),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let wal = beside(db, "-wal");
    let damaged_frame = match fs::read(&wal) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match marker {
            Some(Journal::Wal) => None,
            _ => return Ok(None),
        },
        Err(e) => return Err(e),
        Ok(bytes) => match damage(&bytes) {
            Some(frame) => Some(frame),
            None => return Ok(None),
        },
    };
    let finding = LostWrites { found_at: crate::clock::now(), damaged_frame };
    let mut file = fs::OpenOptions::new().create(true).append(true).open(beside(db, LOST_SUFFIX))?;
    writeln!(file, "{}", finding.line())?;
    file.sync_all()?;
    Ok(Some(finding))
}

/// Every loss found and not yet acknowledged. A line that does not read (the file edited by
/// hand) is still a loss, of unknown kind.
pub(crate) fn lost(db: &Path) -> std::io::Result<Vec<LostWrites>> {
    match fs::read_to_string(beside(db, LOST_SUFFIX)) {
        Ok(text) => Ok(text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| LostWrites::parse(l).unwrap_or(LostWrites { found_at: crate::clock::now(), damaged_frame: None }))
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Forgets the losses found: the user has seen them (`kehu check --repair`).
pub(crate) fn acknowledge(db: &Path) -> std::io::Result<()> {
    match fs::remove_file(beside(db, LOST_SUFFIX)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The first frame (counted from 1) whose checksum or salt breaks while a later frame of the
/// same WAL generation ends a commit: SQLite stops reading at the break, and loses that commit.
/// A break with no commit after it is a transaction that never committed, as a crash leaves.
fn damage(wal: &[u8]) -> Option<usize> {
    if wal.is_empty() {
        return None; // checkpointed and truncated
    }
    let Some(header) = wal.get(..WAL_HEADER) else {
        return Some(1);
    };
    let word = |bytes: &[u8], at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let big_endian = match word(header, 0) {
        0x377f_0683 => true,
        0x377f_0682 => false,
        _ => return wal.len().gt(&WAL_HEADER).then_some(1),
    };
    let page_size = match word(header, 8) {
        1 => 65_536,
        n => n as usize,
    };
    if !(512..=65_536).contains(&page_size) || !page_size.is_power_of_two() {
        return Some(1);
    }
    let salts = &header[16..24];
    let mut sum = checksum(big_endian, (0, 0), &header[..24]);
    if (word(header, 24), word(header, 28)) != sum {
        // A header that does not authenticate makes SQLite ignore every frame.
        return wal.len().gt(&WAL_HEADER).then_some(1);
    }
    let frame_len = FRAME_HEADER + page_size;
    let frames = wal[WAL_HEADER..].chunks_exact(frame_len);
    let mut broken = None;
    for (index, frame) in frames.enumerate() {
        let commits = word(frame, 4) != 0;
        let ours = &frame[8..16] == salts;
        match broken {
            None => {
                sum = checksum(big_endian, sum, &frame[..8]);
                sum = checksum(big_endian, sum, &frame[FRAME_HEADER..]);
                if !ours || (word(frame, 16), word(frame, 20)) != sum {
                    broken = Some(index + 1);
                }
            }
            Some(at) if ours && commits => return Some(at),
            Some(_) => {}
        }
    }
    None
}

/// SQLite's WAL checksum over `data` (a multiple of 8 bytes), continuing from `(s0, s1)`.
fn checksum(big_endian: bool, (mut s0, mut s1): (u32, u32), data: &[u8]) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        let read = |b: &[u8]| {
            let b: [u8; 4] = b.try_into().expect("4 bytes");
            if big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
        };
        s0 = s0.wrapping_add(read(&pair[..4])).wrapping_add(s1);
        s1 = s1.wrapping_add(read(&pair[4..])).wrapping_add(s0);
    }
    (s0, s1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAL as SQLite writes it: `commits[i]` says whether frame i ends a transaction.
    fn wal(commits: &[bool]) -> Vec<u8> {
        let page = 512;
        let mut out = Vec::new();
        out.extend(0x377f_0682u32.to_be_bytes());
        out.extend(3_007_000u32.to_be_bytes());
        out.extend((page as u32).to_be_bytes());
        out.extend(0u32.to_be_bytes());
        out.extend([7, 7, 7, 7, 9, 9, 9, 9]);
        let mut sum = checksum(false, (0, 0), &out);
        out.extend(sum.0.to_be_bytes());
        out.extend(sum.1.to_be_bytes());
        for (i, &commit) in commits.iter().enumerate() {
            let mut frame = Vec::new();
            frame.extend((i as u32 + 1).to_be_bytes());
            frame.extend(u32::from(commit).to_be_bytes());
            frame.extend([7, 7, 7, 7, 9, 9, 9, 9]);
            let data: Vec<u8> = (0..page).map(|b| (b * 31 + i) as u8).collect();
            sum = checksum(false, sum, &frame[..8]);
            sum = checksum(false, sum, &data);
            frame.extend(sum.0.to_be_bytes());
            frame.extend(sum.1.to_be_bytes());
            frame.extend(data);
            out.extend(frame);
        }
        out
    }

    #[test]
    fn a_sound_wal_and_one_cut_short_by_a_crash_are_not_damage() {
        assert_eq!(damage(&[]), None);
        let sound = wal(&[false, true, false, true]);
        assert_eq!(damage(&sound), None);
        // The last transaction never committed: its frames are cut off mid-write.
        let mut cut = wal(&[false, true, false, false]);
        cut.truncate(cut.len() - 100);
        assert_eq!(damage(&cut), None);
        let mut torn = wal(&[true, false]);
        let last = torn.len() - 10;
        torn[last] ^= 1;
        assert_eq!(damage(&torn), None, "an uncommitted frame that does not authenticate was never committed");
    }

    #[test]
    fn a_flipped_byte_before_a_commit_is_damage_named_by_its_frame() {
        let mut flipped = wal(&[true, false, true, true]);
        let frame_two = WAL_HEADER + (FRAME_HEADER + 512) + FRAME_HEADER + 40;
        flipped[frame_two] ^= 0x20;
        assert_eq!(damage(&flipped), Some(2));
        let mut header = wal(&[true]);
        header[20] ^= 1;
        assert_eq!(damage(&header), Some(1), "a header that does not authenticate loses every frame");
    }

    #[test]
    fn a_missing_wal_is_a_loss_only_after_a_session_that_did_not_close_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("notebook.db");
        fs::write(&db, b"x").unwrap();
        assert_eq!(inspect(&db).unwrap(), None, "no marker: the last session closed");
        let marker = SessionMarker::arm(&db).unwrap();
        marker.set(Journal::Rollback).unwrap();
        std::mem::forget(marker); // as a crash leaves it
        assert_eq!(inspect(&db).unwrap(), None, "a bulk write's rollback journal needs no WAL");
        std::mem::forget(SessionMarker::arm(&db).unwrap());
        let found = inspect(&db).unwrap().unwrap();
        assert_eq!(found.damaged_frame, None);
        assert!(found.to_string().contains("notebook.db-wal") && found.to_string().contains("missing"), "{found}");
        let kept = lost(&db).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(crate::clock::to_db(&kept[0].found_at), crate::clock::to_db(&found.found_at));
        assert_eq!(
            LostWrites::parse(&LostWrites { damaged_frame: Some(7), ..found.clone() }.line()).unwrap().damaged_frame,
            Some(7)
        );
        acknowledge(&db).unwrap();
        assert!(lost(&db).unwrap().is_empty());
        drop(SessionMarker { path: beside(&db, MARKER_SUFFIX) });
        assert!(!beside(&db, MARKER_SUFFIX).exists(), "a session that closes takes its marker away");
    }
}
