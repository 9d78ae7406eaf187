//! What the search index is built from: the searchable text of each record, the customer
//! context of child records (so 华为 续签 finds a note on 华为's file), and the durable queue of
//! records whose text changed since the index last caught up.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Grade, Result, SearchKind, Stage, Store, time_at};

/// One record as the index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchSource {
    pub kind: SearchKind,
    pub record_id: i64,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    /// The record's own name: a customer's name, company and title; a template's name.
    pub name: String,
    /// The record's content.
    pub body: String,
    /// For a child record, its customer's name and company.
    pub context: String,
    pub tags: Vec<String>,
    pub grade: Option<Grade>,
    pub stage: Option<Stage>,
    pub at: DateTime<Utc>,
}

/// The customer fields child records carry into the index.
struct CustomerContext {
    name: String,
    company: Option<String>,
    grade: Grade,
    stage: Stage,
}

const CUSTOMER_SQL: &str = "SELECT c.id, c.name, c.company, c.title, c.industry, c.region, c.source, c.grade, c.stage,
        c.custom, c.updated_at,
        (SELECT group_concat(value, ' ') FROM contact_method m WHERE m.customer_id = c.id)
    FROM customer c";
const NOTE_SQL: &str = "SELECT id, customer_id, body, at FROM note";
const INTERACTION_SQL: &str =
    "SELECT id, customer_id, summary || ' ' || coalesce(outcome, '') || ' ' || kind, at FROM interaction";
const COMPLAINT_SQL: &str = "SELECT id, customer_id, title || ' ' || coalesce(detail, ''), opened_at FROM complaint";
const TEMPLATE_SQL: &str = "SELECT id, name, description || ' ' || body || ' ' || fields FROM template";

fn customer_source(row: &rusqlite::Row<'_>, tags: Vec<String>) -> rusqlite::Result<SearchSource> {
    let name: String = row.get(1)?;
    let parts: Vec<Option<String>> = vec![row.get(2)?, row.get(3)?];
    let own = std::iter::once(name.clone()).chain(parts.into_iter().flatten()).collect::<Vec<_>>().join(" ");
    let custom: String = row.get(9)?;
    let custom: HashMap<String, String> = serde_json::from_str(&custom).unwrap_or_default();
    let mut body: Vec<String> =
        [row.get::<_, Option<String>>(4)?, row.get(5)?, row.get(6)?, row.get(11)?].into_iter().flatten().collect();
    body.extend(tags.iter().cloned());
    body.extend(custom.into_iter().flat_map(|(k, v)| [k, v]));
    Ok(SearchSource {
        kind: SearchKind::Customer,
        record_id: row.get(0)?,
        customer_id: Some(row.get(0)?),
        customer_name: Some(name),
        name: own,
        body: body.join(" "),
        context: String::new(),
        tags,
        grade: Some(row.get(7)?),
        stage: Some(row.get(8)?),
        at: time_at(row, 10)?,
    })
}

/// An (id, customer_id, text, at) row of a child record, before its customer's context is added.
fn child_row(kind: SearchKind, row: &rusqlite::Row<'_>) -> rusqlite::Result<SearchSource> {
    Ok(SearchSource {
        kind,
        record_id: row.get(0)?,
        customer_id: Some(row.get(1)?),
        customer_name: None,
        name: String::new(),
        body: row.get(2)?,
        context: String::new(),
        tags: Vec::new(),
        grade: None,
        stage: None,
        at: time_at(row, 3)?,
    })
}

/// Completes a child record with what it carries of its customer.
fn with_customer(mut source: SearchSource, customer: &CustomerContext, tags: Vec<String>) -> SearchSource {
    source.context = match &customer.company {
        Some(company) => format!("{} {company}", customer.name),
        None => customer.name.clone(),
    };
    source.customer_name = Some(customer.name.clone());
    source.tags = tags;
    source.grade = Some(customer.grade);
    source.stage = Some(customer.stage);
    source
}

fn template_source(row: &rusqlite::Row<'_>) -> rusqlite::Result<SearchSource> {
    Ok(SearchSource {
        kind: SearchKind::Template,
        record_id: row.get(0)?,
        customer_id: None,
        customer_name: None,
        name: row.get(1)?,
        body: row.get(2)?,
        context: String::new(),
        tags: Vec::new(),
        grade: None,
        stage: None,
        at: DateTime::UNIX_EPOCH,
    })
}

fn customer_context(conn: &Connection, id: i64) -> Result<Option<CustomerContext>> {
    Ok(conn
        .prepare_cached("SELECT name, company, grade, stage FROM customer WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(CustomerContext { name: r.get(0)?, company: r.get(1)?, grade: r.get(2)?, stage: r.get(3)? })
        })
        .optional()?)
}

fn customer_tags(conn: &Connection, id: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.name FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.customer_id = ?1 ORDER BY t.name",
    )?;
    Ok(stmt.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
}

fn child_sql(kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Note => NOTE_SQL,
        SearchKind::Interaction => INTERACTION_SQL,
        SearchKind::Complaint => COMPLAINT_SQL,
        SearchKind::Customer | SearchKind::Template => unreachable!("not a child kind"),
    }
}

/// What a search result shows of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDisplay {
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    /// The customer's or the template's name.
    pub title: String,
    /// The text the snippet is cut from.
    pub text: String,
}

impl Store {
    /// What a search result shows of a record, in one query; `None` when it no longer exists.
    pub(crate) fn search_display(&self, kind: SearchKind, id: i64) -> Result<Option<SearchDisplay>> {
        let child = |text: &str, table: &str| {
            format!(
                "SELECT r.customer_id, c.name, {text} FROM {table} r JOIN customer c ON c.id = r.customer_id WHERE r.id = ?1"
            )
        };
        let sql = match kind {
            SearchKind::Customer => {
                return Ok(self.search_source(kind, id)?.map(|s| SearchDisplay {
                    customer_id: s.customer_id,
                    title: s.customer_name.clone().unwrap_or_default(),
                    customer_name: s.customer_name,
                    text: format!("{} {}", s.name, s.body),
                }));
            }
            SearchKind::Template => {
                return Ok(self
                    .conn()
                    .prepare_cached("SELECT name, body FROM template WHERE id = ?1")?
                    .query_row([id], |r| {
                        Ok(SearchDisplay { customer_id: None, customer_name: None, title: r.get(0)?, text: r.get(1)? })
                    })
                    .optional()?);
            }
            SearchKind::Note => child("r.body", "note"),
            SearchKind::Interaction => child("r.summary || ' ' || coalesce(r.outcome, '')", "interaction"),
            SearchKind::Complaint => child("r.title || ' ' || coalesce(r.detail, '')", "complaint"),
        };
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row([id], |r| {
                let name: String = r.get(1)?;
                Ok(SearchDisplay {
                    customer_id: Some(r.get(0)?),
                    customer_name: Some(name.clone()),
                    title: name,
                    text: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// The record as the index should hold it, or `None` when it no longer exists.
    pub(crate) fn search_source(&self, kind: SearchKind, id: i64) -> Result<Option<SearchSource>> {
        let conn = self.conn();
        match kind {
            SearchKind::Customer => {
                let tags = customer_tags(conn, id)?;
                Ok(conn
                    .prepare_cached(&format!("{CUSTOMER_SQL} WHERE c.id = ?1"))?
                    .query_row([id], |row| customer_source(row, tags))
                    .optional()?)
            }
            SearchKind::Template => Ok(conn
                .prepare_cached(&format!("{TEMPLATE_SQL} WHERE id = ?1"))?
                .query_row([id], template_source)
                .optional()?),
            child => {
                let sql = format!("{} WHERE id = ?1", child_sql(child));
                let row = conn.prepare_cached(&sql)?.query_row([id], |r| child_row(child, r)).optional()?;
                let Some(source) = row else { return Ok(None) };
                let customer_id = source.customer_id.unwrap_or_default();
                let Some(customer) = customer_context(conn, customer_id)? else { return Ok(None) };
                Ok(Some(with_customer(source, &customer, customer_tags(conn, customer_id)?)))
            }
        }
    }

    /// The child records of a customer, which carry its context and so change with it.
    pub(crate) fn search_children(&self, customer_id: i64) -> Result<Vec<(SearchKind, i64)>> {
        let mut out = Vec::new();
        for (kind, table) in
            [(SearchKind::Note, "note"), (SearchKind::Interaction, "interaction"), (SearchKind::Complaint, "complaint")]
        {
            let mut stmt = self.conn().prepare_cached(&format!("SELECT id FROM {table} WHERE customer_id = ?1"))?;
            let ids = stmt.query_map([customer_id], |r| r.get::<_, i64>(0))?;
            for id in ids {
                out.push((kind, id?));
            }
        }
        Ok(out)
    }

    /// Streams every record of `kind` to `f`, for a rebuild.
    pub(crate) fn for_each_search_source(
        &self,
        kind: SearchKind,
        mut f: impl FnMut(SearchSource) -> std::result::Result<(), String>,
    ) -> Result<()> {
        let conn = self.conn();
        let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT ct.customer_id, t.name FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id ORDER BY t.name",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            tags.entry(row.get(0)?).or_default().push(row.get(1)?);
        }
        let fail = |e: String| super::StoreError::Corrupt(format!("indexing: {e}"));
        match kind {
            SearchKind::Customer => {
                let mut stmt = conn.prepare(CUSTOMER_SQL)?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let id: i64 = row.get(0)?;
                    f(customer_source(row, tags.remove(&id).unwrap_or_default())?).map_err(fail)?;
                }
            }
            SearchKind::Template => {
                let mut stmt = conn.prepare(TEMPLATE_SQL)?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    f(template_source(row)?).map_err(fail)?;
                }
            }
            child => {
                let mut customers: HashMap<i64, CustomerContext> = HashMap::new();
                let mut stmt = conn.prepare("SELECT id, name, company, grade, stage FROM customer")?;
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    let context =
                        CustomerContext { name: r.get(1)?, company: r.get(2)?, grade: r.get(3)?, stage: r.get(4)? };
                    customers.insert(r.get(0)?, context);
                }
                let mut stmt = conn.prepare(child_sql(child))?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let customer_id: i64 = row.get(1)?;
                    if let Some(customer) = customers.get(&customer_id) {
                        let tags = tags.get(&customer_id).cloned().unwrap_or_default();
                        f(with_customer(child_row(child, row)?, customer, tags)).map_err(fail)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Every (kind, id) the index should hold, for `kehu index check`.
    pub(crate) fn search_keys(&self) -> Result<Vec<(SearchKind, i64)>> {
        let mut keys = Vec::new();
        for (kind, table) in [
            (SearchKind::Customer, "customer"),
            (SearchKind::Note, "note"),
            (SearchKind::Interaction, "interaction"),
            (SearchKind::Complaint, "complaint"),
            (SearchKind::Template, "template"),
        ] {
            let mut stmt = self.conn().prepare(&format!("SELECT id FROM {table}"))?;
            for id in stmt.query_map([], |r| r.get::<_, i64>(0))? {
                keys.push((kind, id?));
            }
        }
        Ok(keys)
    }

    /// Queue entries after `after`, oldest first: (queue id, kind, record id); an entry for a
    /// run of records gives each of them under its id.
    pub(crate) fn search_queue_after(&self, after: i64) -> Result<Vec<(i64, SearchKind, i64)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, kind, record_id, coalesce(last_record_id, record_id) FROM search_queue WHERE id > ?1 ORDER BY id",
        )?;
        let mut entries = Vec::new();
        let mut rows = stmt.query([after])?;
        while let Some(row) = rows.next()? {
            let (id, kind, first, last): (i64, SearchKind, i64, i64) =
                (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
            entries.extend((first..=last).map(|record| (id, kind, record)));
        }
        Ok(entries)
    }

    /// The newest queue entry's id (0 when empty).
    pub(crate) fn search_queue_head(&self) -> Result<i64> {
        Ok(self.conn().query_row("SELECT coalesce(max(id), 0) FROM search_queue", [], |r| r.get(0))?)
    }

    /// Forgets queue entries up to `id`: the index holds them durably now.
    pub(crate) fn search_queue_done(&mut self, id: i64) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM search_queue WHERE id <= ?1")?.execute(params![id])?;
            Ok(())
        })
    }
}
