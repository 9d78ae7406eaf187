//! Printing: stable JSON with `--json`, short text otherwise, labels in the user's language.

use kehu::store::Lang;
use serde::Serialize;

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
        println!("{}", serde_json::to_string_pretty(value).expect("output types serialise"));
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
            println!("{message}");
            if let Some(id) = id {
                println!("{id}");
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
