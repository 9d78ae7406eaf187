//! Templates: customer templates (which custom fields a kind of customer has) and note
//! templates (the starting text of a note). The defaults ship in `assets/templates/` in zh-CN
//! and en and are written into every new notebook; users may add their own.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{Lang, Result, Store, StoreError, TemplateKind, clean};
use crate::rules::ValueProblem;

/// A custom field a customer template proposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TemplateField {
    pub name: String,
    #[serde(default)]
    pub hint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Template {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub kind: TemplateKind,
    pub name: String,
    pub language: String,
    pub description: String,
    /// Customer templates: the custom fields they propose.
    pub fields: Vec<TemplateField>,
    /// Note templates: the starting text.
    pub body: String,
    pub builtin: bool,
}

#[derive(Deserialize)]
struct DefaultSet {
    language: String,
    note: Vec<DefaultTemplate>,
    customer: Vec<DefaultTemplate>,
}

#[derive(Deserialize)]
struct DefaultTemplate {
    name: String,
    description: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    fields: Vec<TemplateField>,
}

const DEFAULTS: &[&str] =
    &[include_str!("../../assets/templates/zh-CN.json"), include_str!("../../assets/templates/en.json")];

/// Writes the shipped templates into a new notebook.
pub(crate) fn seed_defaults(conn: &Connection) -> Result<()> {
    for text in DEFAULTS {
        let set: DefaultSet = serde_json::from_str(text).expect("shipped templates are valid JSON");
        let kinds = [(TemplateKind::Note, &set.note), (TemplateKind::Customer, &set.customer)];
        for (kind, templates) in kinds {
            for t in templates {
                conn.execute(
                    "INSERT INTO template (kind, name, language, description, fields, body, builtin)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1) ON CONFLICT (kind, name) DO NOTHING",
                    params![
                        kind,
                        t.name,
                        set.language,
                        t.description,
                        serde_json::to_string(&t.fields).unwrap(),
                        t.body
                    ],
                )?;
            }
        }
    }
    Ok(())
}

const COLUMNS: &str = "id, kind, name, language, description, fields, body, builtin";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Template> {
    let fields: String = row.get(5)?;
    Ok(Template {
        id: row.get(0)?,
        kind: row.get(1)?,
        name: row.get(2)?,
        language: row.get(3)?,
        description: row.get(4)?,
        fields: serde_json::from_str(&fields).unwrap_or_default(),
        body: row.get(6)?,
        builtin: row.get(7)?,
    })
}

/// A template to save, by its kind and name.
#[derive(Debug, Clone, Copy)]
pub struct NewTemplate<'a> {
    pub kind: TemplateKind,
    pub name: &'a str,
    pub language: Lang,
    pub description: &'a str,
    pub fields: &'a [TemplateField],
    pub body: &'a str,
}

impl Store {
    /// Templates of one kind (or all), those of `lang` first, then by name.
    pub(crate) fn templates(&self, kind: Option<TemplateKind>, lang: Lang) -> Result<Vec<Template>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {COLUMNS} FROM template WHERE ?1 IS NULL OR kind = ?1 ORDER BY kind, language <> ?2, id"
        ))?;
        let rows = stmt.query_map(params![kind, lang.code()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(crate) fn template(&self, kind: TemplateKind, name: &str) -> Result<Template> {
        self.conn()
            .prepare_cached(&format!("SELECT {COLUMNS} FROM template WHERE kind = ?1 AND name = ?2"))?
            .query_row(params![kind, name.trim()], from_row)
            .optional()?
            .ok_or_else(|| {
                StoreError::not_found(
                    if kind == TemplateKind::Note { "note template" } else { "customer template" },
                    format!("'{}'", name.trim()),
                )
            })
    }

    /// Adds a template, or replaces the one of the same kind and name (a built-in one too: the
    /// user's wording wins). Returns its id.
    pub(crate) fn save_template(&mut self, new: &NewTemplate<'_>) -> Result<i64> {
        let NewTemplate { kind, name, language, description, fields, body } = *new;
        let name = clean(Some(name)).ok_or_else(|| StoreError::bad_value("name", ValueProblem::Empty))?;
        if kind == TemplateKind::Note && body.trim().is_empty() {
            return Err(StoreError::bad_value("body", ValueProblem::Empty));
        }
        if fields.iter().any(|f| f.name.trim().is_empty()) {
            return Err(StoreError::bad_value("field name", ValueProblem::Empty));
        }
        self.write(|tx| {
            tx.execute(
                "INSERT INTO template (kind, name, language, description, fields, body, builtin)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)
                 ON CONFLICT (kind, name) DO UPDATE SET language = excluded.language,
                   description = excluded.description, fields = excluded.fields, body = excluded.body",
                params![kind, name, language.code(), description.trim(), serde_json::to_string(fields).unwrap(), body],
            )?;
            Ok(tx.query_row("SELECT id FROM template WHERE kind = ?1 AND name = ?2", params![kind, name], |r| {
                r.get(0)
            })?)
        })
    }

    /// Removes a template; notes and customers made from it keep its name as a label.
    pub(crate) fn delete_template(&mut self, kind: TemplateKind, name: &str) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute("DELETE FROM template WHERE kind = ?1 AND name = ?2", params![kind, name.trim()])?;
            if n == 0 { Err(StoreError::not_found("template", format!("'{}'", name.trim()))) } else { Ok(()) }
        })
    }
}
