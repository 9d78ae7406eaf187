//! Test helpers: temporary notebooks, the CLI with a password file, file snapshots.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use kehu::Notebook;
use kehu::vault::KdfParams;

pub const PASSWORD: &str = "正确的马电池钉 correct horse";

/// A temporary folder holding one notebook folder and a password file.
pub struct TempNotebook {
    pub tmp: tempfile::TempDir,
}

impl TempNotebook {
    /// An empty folder; the notebook is not created yet.
    pub fn empty() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("password"), format!("{PASSWORD}\n")).unwrap();
        TempNotebook { tmp }
    }

    /// A notebook created through the API with cheap KDF parameters.
    pub fn new() -> Self {
        let t = Self::empty();
        drop(t.create());
        t
    }

    pub fn create(&self) -> Notebook {
        Notebook::create(&self.dir(), PASSWORD.as_bytes(), KdfParams::INSECURE_FOR_TESTS).unwrap()
    }

    pub fn open(&self) -> Notebook {
        Notebook::open(&self.dir(), PASSWORD.as_bytes()).unwrap()
    }

    pub fn dir(&self) -> PathBuf {
        self.tmp.path().join("notebook")
    }

    pub fn password_file(&self) -> PathBuf {
        self.tmp.path().join("password")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// `kehu --notebook DIR --password-file F` with a clean environment.
    pub fn kehu(&self) -> Command {
        let mut cmd = Command::cargo_bin("kehu").unwrap();
        cmd.env_clear()
            .env("LANG", "C.UTF-8")
            .env("HOME", self.tmp.path().join("home"))
            .env("TMPDIR", self.tmp.path().join("tmp"))
            .arg("--notebook")
            .arg(self.dir())
            .arg("--password-file")
            .arg(self.password_file());
        cmd
    }

    /// Runs kehu with `args`, expects success, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.kehu().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "kehu {args:?} failed: {stderr}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs kehu with `args`, expects exit status `code`, returns stderr (one line, no panic).
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.kehu().args(args).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(code), "kehu {args:?}: {stderr}");
        assert_one_clear_line(&stderr);
        stderr
    }

    /// Runs kehu with `--json` and parses its output.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// The id a write command printed on its last line.
    pub fn id(&self, args: &[&str]) -> i64 {
        let out = self.ok(args);
        out.lines().last().unwrap().trim().parse().unwrap_or_else(|_| panic!("no id in {out:?}"))
    }
}

pub fn assert_one_clear_line(stderr: &str) {
    assert_eq!(stderr.lines().count(), 1, "expected one line on stderr, got {stderr:?}");
    assert!(stderr.starts_with("kehu: "), "{stderr:?}");
    assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{stderr:?}");
}

/// Every file under `dir` with its bytes.
pub fn files_under(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return files };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            files.insert(path, bytes);
        }
    }
    files
}

/// Name, length, modification time and bytes of every file: what "touches no file" compares.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .map(|(path, bytes)| {
            let meta = std::fs::metadata(&path).unwrap();
            (path, meta.len(), meta.modified().unwrap(), bytes)
        })
        .collect()
}
