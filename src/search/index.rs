//! The index itself: an encrypted on-disk tantivy index plus an in-memory overlay for what
//! changed since its last commit, fed from the database's durable queue.
//!
//! Near-real-time without a commit per note: `sync` applies new queue entries to the overlay (a
//! RAM index, committed in well under a millisecond) and hides their stale on-disk versions;
//! `flush` moves the overlay into the on-disk index in one durable commit and only then removes
//! those entries from the queue. A crash anywhere leaves the queue entries in place, and the next
//! open applies them again (every apply is an idempotent replace by key).

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::Query;
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use super::overlay_dir::OverlayDirectory;
use super::query::{self, SearchQuery};
use super::schema::{self, Fields};
use super::{EncryptedDirectory, SearchError, analyzer};
use crate::store::{SearchKind, SearchSource, Store};
use tantivy::columnar::Column;

/// Overlay entries beyond which `sync` flushes to disk by itself.
const FLUSH_AT: usize = 5_000;
const DISK_WRITER_BYTES: usize = 96 * 1024 * 1024;
const RAM_WRITER_BYTES: usize = 15 * 1024 * 1024;
const SNIPPET_CHARS: usize = 120;
const NO_INDEX: &str = "no index yet";

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SearchHit {
    pub kind: SearchKind,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub record_id: i64,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    /// What to show as the result's title: the customer's or template's name.
    pub title: String,
    /// A fragment of the record's text around the best match.
    pub snippet: String,
    /// Byte ranges of `snippet` that matched, to highlight.
    pub highlights: Vec<(usize, usize)>,
    pub score: f32,
    pub at: DateTime<Utc>,
}

/// What `kehu index check` reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndexReport {
    pub expected: usize,
    pub indexed: usize,
    /// Records in the database the index does not have (up to 20 shown).
    pub missing: Vec<String>,
    /// Documents the index has for records that no longer exist (up to 20 shown).
    pub extra: Vec<String>,
    pub missing_count: usize,
    pub extra_count: usize,
    /// Queue entries not yet in the on-disk index.
    pub pending: usize,
}

impl IndexReport {
    pub fn is_consistent(&self) -> bool {
        self.missing_count == 0 && self.extra_count == 0
    }
}

type Key = (SearchKind, i64);

fn key_text((kind, id): Key) -> String {
    format!("{}:{id}", kind.key())
}

struct Part {
    writer: IndexWriter,
    reader: IndexReader,
}

impl Part {
    fn new(index: &Index, threads: usize, bytes: usize) -> Result<Part, SearchError> {
        analyzer::register(index);
        let writer = index.writer_with_num_threads(threads, bytes)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Part { writer, reader })
    }

    fn commit(&mut self) -> Result<(), SearchError> {
        self.writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }
}

pub struct SearchIndex {
    fields: Fields,
    disk: Part,
    overlay: Part,
    /// Records changed since the last disk commit: their disk documents are stale.
    pending: HashSet<Key>,
    /// The last queue entry applied to the overlay.
    cursor: i64,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("pending", &self.pending.len()).finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens the encrypted index in `dir` and brings it up to date with the database: rebuilt
    /// when missing or unreadable, repaired from the queue after a crash.
    pub fn open(dir: &Path, key: &[u8; 32], store: &mut Store) -> Result<SearchIndex, SearchError> {
        analyzer::warm_up();
        match Self::open_existing(dir, key, store) {
            Ok(index) => Ok(index),
            Err(SearchError::Rebuild(reason)) if reason == NO_INDEX => Self::rebuild_at(dir, key, store),
            Err(e) => {
                tracing::warn!("rebuilding the search index: {e}");
                Self::rebuild_at(dir, key, store)
            }
        }
    }

    fn open_existing(dir: &Path, key: &[u8; 32], store: &mut Store) -> Result<SearchIndex, SearchError> {
        let directory = EncryptedDirectory::open(dir, key)?;
        if !directory.root_has_meta() {
            return Err(SearchError::Rebuild(NO_INDEX.into()));
        }
        let (schema, fields) = schema::build();
        let index = Index::open(directory)?;
        if index.schema() != schema {
            return Err(SearchError::Rebuild("the index was built with another schema".into()));
        }
        let mut this = Self::assemble(&index, fields)?;
        // Touch every segment's term dictionaries, so damage shows now rather than mid-search.
        this.disk
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .try_for_each(|s| s.inverted_index(fields.name).map(|_| ()).map_err(SearchError::from))?;
        this.catch_up(store)?;
        Ok(this)
    }

    fn assemble(disk: &Index, fields: Fields) -> Result<SearchIndex, SearchError> {
        let (schema, _) = schema::build();
        let overlay = Index::create(OverlayDirectory::default(), schema, tantivy::IndexSettings::default())?;
        Ok(SearchIndex {
            fields,
            disk: Part::new(disk, 2, DISK_WRITER_BYTES)?,
            overlay: Part::new(&overlay, 1, RAM_WRITER_BYTES)?,
            pending: HashSet::new(),
            cursor: 0,
        })
    }

    /// Throws the index away and builds it again from the database.
    pub fn rebuild(&mut self, dir: &Path, key: &[u8; 32], store: &mut Store) -> Result<(), SearchError> {
        *self = Self::rebuild_at(dir, key, store)?;
        Ok(())
    }

    fn rebuild_at(dir: &Path, key: &[u8; 32], store: &mut Store) -> Result<SearchIndex, SearchError> {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        let directory = EncryptedDirectory::open(dir, key)?;
        let (schema, fields) = schema::build();
        let index = Index::create(directory, schema, tantivy::IndexSettings::default())?;
        let mut this = Self::assemble(&index, fields)?;
        // Everything queued so far is covered by reading the whole database now.
        let head = store.search_queue_head()?;
        for kind in SearchKind::ALL {
            let writer = &this.disk.writer;
            store.for_each_search_source(*kind, |source| {
                writer.add_document(document(&fields, &source)).map(|_| ()).map_err(|e| e.to_string())
            })?;
        }
        this.disk.commit()?;
        // One segment: every term is looked up once per search instead of once per segment.
        let segments = this
            .disk
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(tantivy::SegmentReader::segment_id)
            .collect::<Vec<_>>();
        if segments.len() > 1 {
            this.disk.writer.merge(&segments).wait()?;
            this.disk.reader.reload()?;
        }
        store.search_queue_done(head)?;
        this.cursor = head;
        Ok(this)
    }

    /// Applies what the queue holds, then makes it durable: the repair after a crash.
    fn catch_up(&mut self, store: &mut Store) -> Result<(), SearchError> {
        self.sync(store)?;
        if !self.pending.is_empty() {
            self.flush(store)?;
        }
        Ok(())
    }

    /// The records that queue entries after the cursor touch (a customer's change touches its
    /// child records too), and the newest entry's id.
    fn changes_since_cursor(&self, store: &Store) -> Result<Option<(Vec<Key>, i64)>, SearchError> {
        let entries = store.search_queue_after(self.cursor)?;
        let Some(&(last, _, _)) = entries.last() else { return Ok(None) };
        let mut seen = HashSet::new();
        let mut changed = Vec::new();
        for (_, kind, id) in entries {
            if seen.insert((kind, id)) {
                changed.push((kind, id));
            }
            if kind == SearchKind::Customer {
                for child in store.search_children(id)? {
                    if seen.insert(child) {
                        changed.push(child);
                    }
                }
            }
        }
        Ok(Some((changed, last)))
    }

    /// Applies queue entries newer than the last seen to the overlay, so they are searchable.
    pub fn sync(&mut self, store: &mut Store) -> Result<(), SearchError> {
        let Some((changed, last)) = self.changes_since_cursor(store)? else { return Ok(()) };
        for key in changed {
            self.overlay.writer.delete_term(Term::from_field_text(self.fields.key, &key_text(key)));
            if let Some(source) = store.search_source(key.0, key.1)? {
                self.overlay.writer.add_document(document(&self.fields, &source))?;
            }
            self.pending.insert(key);
        }
        self.overlay.commit()?;
        self.cursor = last;
        if self.pending.len() >= FLUSH_AT {
            self.flush(store)?;
        }
        Ok(())
    }

    /// Writes every change since the last disk commit into the on-disk index in one durable
    /// commit, then forgets the queue entries it covered and empties the overlay.
    pub fn flush(&mut self, store: &mut Store) -> Result<(), SearchError> {
        if let Some((changed, last)) = self.changes_since_cursor(store)? {
            self.pending.extend(changed);
            self.cursor = last;
        }
        if self.pending.is_empty() {
            return Ok(());
        }
        for key in self.pending.drain() {
            self.disk.writer.delete_term(Term::from_field_text(self.fields.key, &key_text(key)));
            if let Some(source) = store.search_source(key.0, key.1)? {
                self.disk.writer.add_document(document(&self.fields, &source))?;
            }
        }
        self.disk.commit()?;
        store.search_queue_done(self.cursor)?;
        self.overlay.writer.delete_all_documents()?;
        self.overlay.commit()?;
        Ok(())
    }

    /// Makes every change durable, then rewrites each on-disk segment that still holds deleted
    /// documents and removes the files they were in: an erased customer's words leave the index
    /// files before erase returns, rather than at a later merge (an older `meta.json` put back
    /// names files that are gone, and the index is rebuilt from the database).
    pub fn purge_deleted(&mut self, store: &mut Store) -> Result<(), SearchError> {
        self.flush(store)?;
        let with_deletes: Vec<tantivy::index::SegmentId> = self
            .disk
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .filter(|segment| segment.num_deleted_docs() > 0)
            .map(tantivy::SegmentReader::segment_id)
            .collect();
        if !with_deletes.is_empty() {
            self.disk.writer.merge(&with_deletes).wait()?;
        }
        self.disk.writer.garbage_collect_files().wait()?;
        self.disk.reader.reload()?;
        Ok(())
    }

    /// Whether any on-disk segment's term dictionary, in any field, holds `term`, or any
    /// segment still carries deleted documents: what an erase must leave neither of.
    #[cfg(test)]
    pub(crate) fn disk_holds(&self, term: &str) -> bool {
        let searcher = self.disk.reader.searcher();
        let schema = searcher.schema().clone();
        searcher.segment_readers().iter().any(|segment| {
            segment.num_deleted_docs() > 0
                || schema.fields().any(|(field, entry)| {
                    entry.is_indexed()
                        && segment.inverted_index(field).is_ok_and(|inverted| {
                            inverted
                                .terms()
                                .get(Term::from_field_text(field, term).serialized_value_bytes())
                                .is_ok_and(|t| t.is_some())
                        })
                })
        })
    }

    /// Runs a search: the overlay's hits, and the disk index's for records not changed since.
    pub fn search(&mut self, store: &mut Store, query: &SearchQuery) -> Result<Vec<SearchHit>, SearchError> {
        self.sync(store)?;
        let parsed = query::parse(query)?;
        let tantivy_query = query::build(&self.fields, &parsed);
        let limit = if query.limit == 0 { 20 } else { query.limit };
        let now = chrono::Utc::now().timestamp();
        let mut hits: Vec<(f32, Key, i64)> = Vec::new();
        let disk = self.disk.reader.searcher();
        let overlay = self.overlay.reader.searcher();
        let searchers: Vec<(&Searcher, bool)> =
            if overlay.num_docs() == 0 { vec![(&disk, true)] } else { vec![(&disk, true), (&overlay, false)] };
        for &(searcher, hide_pending) in &searchers {
            let wanted = candidates(limit) + if hide_pending { self.pending.len() } else { 0 };
            let docs = top_docs(searcher, tantivy_query.as_ref(), wanted, parsed.has_text(), now)?;
            for (score, key, at) in keys_of(searcher, docs)? {
                if hide_pending && self.pending.contains(&key) {
                    continue;
                }
                let score = if parsed.has_text() { score * (1.0 + 0.5 * recency(at, now)) } else { score };
                hits.push((score, key, at));
            }
        }
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.2.cmp(&a.2)));
        hits.truncate(limit);
        // A generator weighs terms by their frequency in its own index; a record only in the
        // overlay gets its highlights from the overlay's.
        let mut generators = Vec::new();
        for &(searcher, _) in &searchers {
            let mut generator = SnippetGenerator::create(searcher, tantivy_query.as_ref(), self.fields.bigram)?;
            generator.set_max_num_chars(SNIPPET_CHARS);
            generators.push(generator);
        }
        let mut out = Vec::with_capacity(hits.len());
        for (score, (kind, id), at) in hits {
            let Some(display) = store.search_display(kind, id)? else { continue };
            let shown = display.text;
            let snippet = generators
                .iter()
                .map(|g| g.snippet(&shown))
                .find(|s| !s.highlighted().is_empty())
                .unwrap_or_else(|| generators[0].snippet(&shown));
            let (fragment, highlights) = if snippet.fragment().is_empty() {
                // Matched by pinyin or by its customer: show the beginning.
                (shown.chars().take(SNIPPET_CHARS / 2).collect::<String>(), Vec::new())
            } else {
                (snippet.fragment().to_owned(), merge_ranges(snippet.highlighted()))
            };
            out.push(SearchHit {
                kind,
                record_id: id,
                customer_id: display.customer_id,
                customer_name: display.customer_name,
                title: display.title,
                snippet: fragment,
                highlights,
                score,
                at: DateTime::from_timestamp(at, 0).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// How many records match, without ranking them (the benchmark's recall count).
    pub fn count(&mut self, store: &mut Store, query: &SearchQuery) -> Result<usize, SearchError> {
        self.sync(store)?;
        let parsed = query::parse(query)?;
        let tantivy_query = query::build(&self.fields, &parsed);
        let mut total = 0;
        for (searcher, hide_pending) in [(self.disk.reader.searcher(), true), (self.overlay.reader.searcher(), false)] {
            if !hide_pending || self.pending.is_empty() {
                total += searcher.search(tantivy_query.as_ref(), &tantivy::collector::Count)?;
                continue;
            }
            let docs = searcher.search(tantivy_query.as_ref(), &tantivy::collector::DocSetCollector)?;
            let docs = docs.into_iter().map(|address| (0.0, address)).collect();
            total += keys_of(&searcher, docs)?.iter().filter(|(_, key, _)| !self.pending.contains(key)).count();
        }
        Ok(total)
    }

    /// Compares the index with the database.
    pub fn check(&mut self, store: &mut Store) -> Result<IndexReport, SearchError> {
        self.sync(store)?;
        let mut indexed: HashSet<Key> = HashSet::new();
        for (searcher, hide_pending) in [(self.disk.reader.searcher(), true), (self.overlay.reader.searcher(), false)] {
            for segment in searcher.segment_readers() {
                let kinds = segment.fast_fields().u64("kind")?;
                let ids = segment.fast_fields().i64("record_id")?;
                for doc in segment.doc_ids_alive() {
                    let kind = kinds.first(doc).and_then(SearchKind::from_code);
                    let (Some(kind), Some(id)) = (kind, ids.first(doc)) else { continue };
                    if hide_pending && self.pending.contains(&(kind, id)) {
                        continue;
                    }
                    indexed.insert((kind, id));
                }
            }
        }
        let expected: HashSet<Key> = store.search_keys()?.into_iter().collect();
        let mut missing: Vec<Key> = expected.difference(&indexed).copied().collect();
        let mut extra: Vec<Key> = indexed.difference(&expected).copied().collect();
        missing.sort();
        extra.sort();
        Ok(IndexReport {
            expected: expected.len(),
            indexed: indexed.len(),
            missing_count: missing.len(),
            extra_count: extra.len(),
            missing: missing.into_iter().take(20).map(key_text).collect(),
            extra: extra.into_iter().take(20).map(key_text).collect(),
            pending: self.pending.len(),
        })
    }
}

fn top_docs(
    searcher: &Searcher,
    query: &dyn Query,
    limit: usize,
    scored: bool,
    now: i64,
) -> Result<Vec<(f32, DocAddress)>, SearchError> {
    if !scored {
        // Filters alone: newest first.
        let by_time = TopDocs::with_limit(limit).order_by_fast_field::<tantivy::DateTime>("at", tantivy::Order::Desc);
        let docs = searcher.search(query, &by_time)?;
        return Ok(docs
            .into_iter()
            .map(|(at, address)| (recency(at.map_or(0, tantivy::DateTime::into_timestamp_secs), now), address))
            .collect());
    }
    // Plain BM25 top-k lets tantivy skip what cannot make the cut; recency re-ranks the
    // candidates afterwards (see `search`), rather than being computed for every match.
    Ok(searcher.search(query, &TopDocs::with_limit(limit).order_by_score())?)
}

/// How many BM25 candidates recency re-ranks for `limit` results.
fn candidates(limit: usize) -> usize {
    (limit * 5).max(100)
}

/// 1 for now, ½ a month ago, falling towards 0: recent notes rank above old ones of equal match.
fn recency(at: i64, now: i64) -> f32 {
    let days = (now - at).max(0) as f32 / 86_400.0;
    1.0 / (1.0 + days / 30.0)
}

/// The key and time of each document, opening each segment's columns once.
fn keys_of(searcher: &Searcher, docs: Vec<(f32, DocAddress)>) -> Result<Vec<(f32, Key, i64)>, SearchError> {
    type Columns = (Column<u64>, Column<i64>, Column<tantivy::DateTime>);
    let mut columns: std::collections::HashMap<u32, Columns> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(docs.len());
    for (score, address) in docs {
        let (kinds, ids, ats) = match columns.entry(address.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let fast = searcher.segment_reader(address.segment_ord).fast_fields();
                e.insert((fast.u64("kind")?, fast.i64("record_id")?, fast.date("at")?))
            }
        };
        let kind = kinds.first(address.doc_id).and_then(SearchKind::from_code);
        let at = ats.first(address.doc_id).map_or(0, tantivy::DateTime::into_timestamp_secs);
        match (kind, ids.first(address.doc_id)) {
            (Some(kind), Some(id)) => out.push((score, (kind, id), at)),
            _ => return Err(SearchError::Rebuild("a document without its key".into())),
        }
    }
    Ok(out)
}

/// Overlapping bigram highlights (签合, 合同) become one range.
fn merge_ranges(ranges: &[std::ops::Range<usize>]) -> Vec<(usize, usize)> {
    let mut sorted: Vec<_> = ranges.iter().map(|r| (r.start, r.end)).collect();
    sorted.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (start, end) in sorted {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

fn document(f: &Fields, s: &SearchSource) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.key, key_text((s.kind, s.record_id)));
    doc.add_u64(f.kind, s.kind.code());
    doc.add_i64(f.record_id, s.record_id);
    doc.add_i64(f.customer_id, s.customer_id.unwrap_or(0));
    doc.add_date(f.at, tantivy::DateTime::from_timestamp_secs(s.at.timestamp()));
    for (field, text) in [(f.name, &s.name), (f.body, &s.body), (f.context, &s.context)] {
        if !text.is_empty() {
            doc.add_text(field, text);
            doc.add_text(f.bigram, text);
        }
    }
    if !s.name.is_empty() && matches!(s.kind, SearchKind::Customer | SearchKind::Template) {
        doc.add_text(f.pinyin, &s.name);
    }
    if !s.context.is_empty() {
        doc.add_text(f.context_pinyin, &s.context);
    }
    for tag in &s.tags {
        doc.add_text(f.tag, tag);
    }
    if let Some(grade) = s.grade {
        doc.add_text(f.grade, grade.key());
    }
    if let Some(stage) = s.stage {
        doc.add_text(f.stage, stage.key());
    }
    doc
}
