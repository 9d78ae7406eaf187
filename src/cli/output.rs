//! Printing: stable JSON with `--json`, short text otherwise, labels in the user's language.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use kehu::store::Lang;
use serde::Serialize;

/// Writes `text` (and a line end) to standard output. On a terminal, control characters in it —
/// a customer "named" `\x1b]0;…` from an imported file would retitle or repaint the terminal —
/// are shown escaped (`\u{1b}`) instead of obeyed; piped or redirected, text is written as
/// stored. A pipe closed early ends the command quietly, with status 141 as SIGPIPE would.
pub(crate) fn write(text: &str, newline: bool) {
    let stdout = std::io::stdout();
    let shown = if stdout.is_terminal() { visible(text) } else { Cow::Borrowed(text) };
    let mut out = stdout.lock();
    let written = out.write_all(shown.as_bytes()).and_then(|()| if newline { out.write_all(b"\n") } else { Ok(()) });
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        eprintln!("kehu: writing the output: {e}");
        std::process::exit(1);
    }
}

/// `text` with every control character but line ends and tabs escaped.
pub(crate) fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(
                |c| {
                    if c.is_control() && c != '\n' && c != '\t' {
                        c.escape_unicode().to_string()
                    } else {
                        c.to_string()
                    }
                },
            )
            .collect(),
    )
}

pub(crate) struct Out {
    pub json: bool,
    pub lang: Lang,
}

impl Out {
    pub fn new(json: bool) -> Self {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            .unwrap_or_default();
        Out { json, lang: Lang::from_locale(&locale) }
    }

    pub fn json<T: Serialize + ?Sized>(&self, value: &T) {
        say!("{}", serde_json::to_string_pretty(value).expect("output types serialise"));
    }

    /// Reports a finished write: the message as text, or `{"ok": true, "id": …}` as JSON.
    /// With an id, the id is the last line of text output, for scripts.
    pub fn done(&self, message: &str, id: Option<i64>) {
        if self.json {
            match id {
                Some(id) => self.json(&serde_json::json!({ "ok": true, "id": id })),
                None => self.json(&serde_json::json!({ "ok": true })),
            }
        } else {
            say!("{message}");
            if let Some(id) = id {
                say!("{id}");
            }
        }
    }

    /// Chooses the zh-CN or the English text.
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::ZhCn => zh,
            Lang::En => en,
        }
    }
}

/// A time in local time, to the minute.
/// A task's due: the day of a whole-day task (never shifted into a zone), else the local time.
pub(crate) fn due(task: &kehu::store::Task) -> String {
    match task.due {
        Some(due) if task.all_day => due.date_naive().to_string(),
        Some(due) => local(&due),
        None => String::new(),
    }
}

pub(crate) fn local(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&kehu::clock::local_zone()).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn terminal_escapes_are_shown_not_obeyed() {
        assert_eq!(super::visible("张伟\x1b]0;pwned\x07\tok\n"), "张伟\\u{1b}]0;pwned\\u{7}\tok\n");
        assert_eq!(super::visible("李娜"), "李娜");
    }
}
