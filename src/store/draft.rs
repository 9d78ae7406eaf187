//! The draft: an edit in progress when the session locked, kept (encrypted, like everything in
//! the database) until the next unlock offers it back. The payload is the editor's own JSON.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store, StoreError, time_at};
use crate::clock;
use crate::rules::ValueProblem;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Draft {
    /// JSON written by the editor that was open.
    pub payload: String,
    pub saved_at: chrono::DateTime<chrono::Utc>,
}

/// A draft is typed text, not an attachment.
const MAX_DRAFT_BYTES: usize = 4 * 1024 * 1024;

impl Store {
    /// Keeps `payload` (valid JSON) as the draft, replacing an earlier one.
    pub(crate) fn save_draft(&mut self, payload: &str) -> Result<()> {
        if payload.len() > MAX_DRAFT_BYTES {
            return Err(StoreError::bad_value("draft", ValueProblem::TooLarge { max_mib: 4 }));
        }
        serde_json::from_str::<serde_json::Value>(payload).map_err(|e| StoreError::invalid("draft", e.to_string()))?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO draft (id, payload, saved_at) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET payload = excluded.payload, saved_at = excluded.saved_at",
                params![payload, clock::to_db(&clock::now())],
            )?;
            Ok(())
        })
    }

    /// Returns the draft and forgets it, in one transaction: it is offered back once.
    pub(crate) fn take_draft(&mut self) -> Result<Option<Draft>> {
        self.write(|tx| {
            let draft = tx
                .query_row("SELECT payload, saved_at FROM draft WHERE id = 1", [], |row| {
                    Ok(Draft { payload: row.get(0)?, saved_at: time_at(row, 1)? })
                })
                .optional()?;
            tx.execute("DELETE FROM draft", [])?;
            Ok(draft)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    #[test]
    fn a_draft_is_offered_back_once() {
        let (_dir, mut store) = testing::store();
        assert_eq!(store.take_draft().unwrap(), None);
        store.save_draft(r#"{"kind":"note","body":"第一稿"}"#).unwrap();
        store.save_draft(r#"{"kind":"note","body":"第二稿"}"#).unwrap();
        let draft = store.take_draft().unwrap().unwrap();
        assert!(draft.payload.contains("第二稿"));
        assert_eq!(store.take_draft().unwrap(), None);
        assert!(matches!(store.save_draft("not json"), Err(StoreError::Invalid { .. })));
    }
}
