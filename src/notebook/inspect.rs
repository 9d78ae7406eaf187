//! Looking under the front door, for tests that compare two notebooks row by row (a backup's
//! round trip) and for the schema snapshot. Nothing here changes a record.

use std::collections::BTreeMap;

use super::Notebook;
use crate::Result;
use crate::store::{Row, RowScope};

impl Notebook {
    /// The schema as SQL, tables and indexes sorted by name: what the schema snapshot compares.
    pub fn schema(&self) -> Result<String> {
        Ok(self.store.schema()?)
    }

    /// Moves every committed page from the WAL into the database file and empties the WAL.
    pub fn checkpoint(&self) -> Result<()> {
        Ok(self.store.checkpoint()?)
    }

    /// A table's rows as a backup writes them (sealed passwords opened, blobs as hex).
    #[doc(hidden)]
    pub fn table_rows(&self, table: &str, scope: RowScope<'_>) -> Result<Vec<Row>> {
        Ok(self.store.snapshot_values(table, scope)?)
    }

    /// Every attachment's id, name and bytes, in id order, as a backup writes them.
    #[doc(hidden)]
    pub fn attachment_files(&self) -> Result<Vec<(i64, String, Vec<u8>)>> {
        let mut out = Vec::new();
        self.store.snapshot_attachments(RowScope::All, |id, name, data| {
            out.push((id, name.to_owned(), data.to_vec()));
            Ok(())
        })?;
        Ok(out)
    }

    /// The last id given out per table (ids are never reused).
    #[doc(hidden)]
    pub fn id_sequences(&self) -> Result<BTreeMap<String, i64>> {
        Ok(self.store.sequences()?)
    }
}
