//! Where the master password comes from: a file, standard input, or a prompt on the terminal.
//! Passwords stay in zeroizing strings and are never echoed or logged.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

#[derive(Debug)]
pub(crate) struct PasswordSource {
    file: Option<PathBuf>,
    stdin: bool,
}

impl PasswordSource {
    pub fn new(file: Option<PathBuf>, stdin: bool) -> Self {
        PasswordSource { file, stdin }
    }

    /// Whether standard input carries the password (so it cannot carry anything else).
    pub fn uses_stdin(&self) -> bool {
        self.stdin
    }

    pub fn read(&self, prompt: &str) -> Result<Zeroizing<String>> {
        if let Some(path) = &self.file {
            return from_file(path);
        }
        if self.stdin {
            return from_stdin();
        }
        if !std::io::stdin().is_terminal() {
            bail!(no_password());
        }
        let password = Zeroizing::new(rpassword::prompt_password(prompt).context("reading the password")?);
        Ok(password)
    }

    /// A new password: from the file or stdin as given, or typed twice on a terminal.
    pub fn read_new(&self, prompt: &str) -> Result<Zeroizing<String>> {
        if self.file.is_some() || self.stdin {
            return self.read(prompt);
        }
        if !std::io::stdin().is_terminal() {
            bail!(no_password());
        }
        prompt_twice(prompt)
    }
}

fn no_password() -> kehu::Error {
    kehu::Error::Invalid(
        "no password given: use --password-file F or --password-stdin (standard input is not a terminal)".into(),
    )
}

pub(crate) fn prompt_twice(prompt: &str) -> Result<Zeroizing<String>> {
    if !std::io::stdin().is_terminal() {
        bail!(kehu::Error::Invalid("standard input is not a terminal: use --new-password-file F".into()));
    }
    let first = Zeroizing::new(rpassword::prompt_password(prompt).context("reading the password")?);
    let second = Zeroizing::new(rpassword::prompt_password("再输入一次 / Again: ").context("reading the password")?);
    if first != second {
        bail!(kehu::Error::Invalid("the two passwords differ".into()));
    }
    Ok(first)
}

/// The first line of a file, without its line ending.
pub(crate) fn from_file(path: &Path) -> Result<Zeroizing<String>> {
    let bytes = Zeroizing::new(
        kehu::limits::read_file(path, kehu::limits::MAX_PASSWORD_BYTES)
            .with_context(|| format!("reading password file {}", path.display()))?,
    );
    let text =
        std::str::from_utf8(&bytes).with_context(|| format!("password file {} is not UTF-8 text", path.display()))?;
    Ok(first_line(text))
}

fn from_stdin() -> Result<Zeroizing<String>> {
    // At most one line of at most MAX_PASSWORD_BYTES: `</dev/zero` is refused, not read forever.
    let mut line = Zeroizing::new(Vec::new());
    std::io::Read::take(std::io::stdin().lock(), kehu::limits::MAX_PASSWORD_BYTES + 1)
        .read_until(b'\n', &mut line)
        .context("reading the password from standard input")?;
    if line.len() as u64 > kehu::limits::MAX_PASSWORD_BYTES {
        anyhow::bail!(kehu::Error::Invalid("the password on standard input is longer than 4 KiB".into()));
    }
    let text = std::str::from_utf8(&line).context("the password on standard input is not UTF-8 text")?;
    Ok(first_line(text))
}

fn first_line(text: &str) -> Zeroizing<String> {
    Zeroizing::new(text.lines().next().unwrap_or_default().to_owned())
}
