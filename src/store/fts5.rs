//! SQLite FTS5 with the trigram tokenizer over note bodies, in the notebook's own encrypted
//! database: the comparison `kehu-bench` measures search against, and the brute-force substring
//! count it measures recall with. Not used by the product.

use rusqlite::params;

use super::{Result, Store};

impl Store {
    /// (Re)builds the FTS5 trigram table over every note.
    #[doc(hidden)]
    pub(crate) fn bench_fts5_build(&mut self) -> Result<()> {
        self.write(|tx| {
            tx.execute_batch(
                "DROP TABLE IF EXISTS bench_fts5;
                 CREATE VIRTUAL TABLE bench_fts5 USING fts5(body, tokenize = 'trigram');
                 INSERT INTO bench_fts5 (rowid, body) SELECT id, body FROM note;",
            )?;
            Ok(())
        })
    }

    /// Up to `limit` notes holding every word, the way an application must ask a trigram index:
    /// `MATCH` (ranked) for words of three characters or more, and `LIKE` for shorter ones, which
    /// the trigram index cannot serve (SQLite then scans the table). With `ranked`, `LIKE` results
    /// come newest first, as kehu's do; without, the first notes found, in no order.
    #[doc(hidden)]
    pub(crate) fn bench_fts5_search(&self, words: &[&str], limit: usize, ranked: bool) -> Result<Vec<i64>> {
        let (long, short): (Vec<&str>, Vec<&str>) = words.iter().partition(|w| w.chars().count() >= 3);
        let mut sql = String::from("SELECT bench_fts5.rowid FROM bench_fts5");
        if ranked && !short.is_empty() {
            sql.push_str(" JOIN note ON note.id = bench_fts5.rowid");
        }
        sql.push_str(" WHERE 1");
        let mut args: Vec<String> = Vec::new();
        if !long.is_empty() {
            args.push(match_expression(&long));
            sql.push_str(&format!(" AND bench_fts5 MATCH ?{}", args.len()));
        }
        for word in &short {
            args.push(format!("%{word}%"));
            sql.push_str(&format!(" AND bench_fts5.body LIKE ?{}", args.len()));
        }
        if short.is_empty() {
            sql.push_str(" ORDER BY rank");
        } else if ranked {
            sql.push_str(" ORDER BY note.at DESC");
        }
        sql.push_str(&format!(" LIMIT {limit}"));
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The same with `MATCH` alone, which finds nothing for words under three characters.
    #[doc(hidden)]
    pub(crate) fn bench_fts5_match(&self, words: &[&str], limit: usize) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT rowid FROM bench_fts5 WHERE bench_fts5 MATCH ?1 ORDER BY rank LIMIT ?2")?;
        let rows = stmt.query_map(params![match_expression(words), limit as i64], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many notes the trigram index finds for one word (`MATCH`).
    #[doc(hidden)]
    pub(crate) fn bench_fts5_count(&self, word: &str) -> Result<usize> {
        let n: i64 = self.conn().query_row(
            "SELECT count(*) FROM bench_fts5 WHERE bench_fts5 MATCH ?1",
            [match_expression(&[word])],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// How many notes contain `word`, by scanning every note: the truth recall is measured against.
    #[doc(hidden)]
    pub(crate) fn bench_notes_containing(&self, word: &str) -> Result<usize> {
        let n: i64 =
            self.conn().query_row("SELECT count(*) FROM note WHERE instr(body, ?1) > 0", [word], |r| r.get(0))?;
        Ok(n as usize)
    }

    #[doc(hidden)]
    pub(crate) fn bench_fts5_exists(&self) -> Result<bool> {
        Ok(self
            .conn()
            .query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'bench_fts5')", [], |r| r.get(0))?)
    }
}

fn match_expression(words: &[&str]) -> String {
    words.iter().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" AND ")
}
