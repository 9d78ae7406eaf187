//! Customers: their profile fields, custom fields, tags and contact methods, each value checked
//! as it comes in; added here, listed in `customer_list`, changed through `edit`.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::bulk;
use super::field_path::{Field, FieldPath};
use super::{
    Colour, CompanySize, ContactKind, Grade, Result, Stage, Store, StoreError, ValueProblem, clean, opt_time_at,
    time_at,
};
use crate::clock;
use crate::rules::{self, text::MAX_FIELD_CHARS, text::MAX_TAG_CHARS};

impl Field {
    /// Validates and normalises a value typed by a person into its stored text.
    pub fn normalize(self, value: Option<&str>) -> Result<Option<String>> {
        let value = clean(value);
        let invalid = |problem: ValueProblem| StoreError::bad_value(self.key(), problem);
        let Some(value) = value else {
            return match self {
                Field::Name | Field::Grade | Field::Stage => Err(invalid(ValueProblem::Empty)),
                _ => Ok(None),
            };
        };
        let not_one_of =
            |reason: String| StoreError::refused(self.key(), reason, ValueProblem::NotOneOf { value: value.clone() });
        let keyed =
            |parsed: std::result::Result<&'static str, String>| parsed.map(|k| Some(k.to_owned())).map_err(not_one_of);
        match self {
            Field::Grade => keyed(Grade::from_str(&value).map(Grade::key)),
            Field::Stage => keyed(Stage::from_str(&value).map(Stage::key)),
            Field::Colour => keyed(Colour::from_str(&value).map(Colour::key)),
            Field::CompanySize => keyed(CompanySize::from_str(&value).map(CompanySize::key)),
            Field::Birthday => normalize_birthday(&value).map(Some).map_err(|reason| {
                StoreError::refused(self.key(), reason, ValueProblem::NotADate { value: value.clone() })
            }),
            _ if rules::text::too_long(&value, MAX_FIELD_CHARS) => {
                Err(StoreError::bad_value(self.key(), ValueProblem::TooLong { max: MAX_FIELD_CHARS }))
            }
            _ => Ok(Some(value)),
        }
    }
}

/// `YYYY-MM-DD`, or `--MM-DD` (the vCard form) when the year is not known.
fn normalize_birthday(value: &str) -> std::result::Result<String, String> {
    if let Some(date) = clock::parse_user_date(value) {
        return Ok(date.format("%Y-%m-%d").to_string());
    }
    let month_day = value.trim_start_matches('-').replace('月', "-").replace('日', "");
    if let Ok(date) = chrono::NaiveDate::parse_from_str(&format!("2000-{month_day}"), "%Y-%m-%d") {
        return Ok(date.format("--%m-%d").to_string());
    }
    Err(format!("'{value}' is not a date (use YYYY-MM-DD or MM-DD)"))
}

/// A contact method as given: the value as typed, with an optional label such as 办公 or 家庭.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct NewContact {
    pub kind: ContactKind,
    pub value: String,
    #[serde(default)]
    pub label: Option<String>,
}

impl NewContact {
    pub fn new(kind: ContactKind, value: impl Into<String>) -> Self {
        NewContact { kind, value: value.into(), label: None }
    }
}

/// A stored contact method: the value as typed and its normalised form for matching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ContactMethod {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub kind: ContactKind,
    pub label: Option<String>,
    pub value: String,
    pub normalized: String,
    /// The value as privacy mode shows it ([`crate::rules::mask_contact`]).
    pub masked: String,
}

/// Checks a contact value and returns (value as typed, trimmed; normalised form).
pub(crate) fn normalize_contact(kind: ContactKind, value: &str) -> Result<(String, String)> {
    let field = format!("contact.{}", kind.key());
    let value = value.trim();
    if value.is_empty() {
        return Err(StoreError::bad_value(field, ValueProblem::Empty));
    }
    if rules::text::too_long(value, MAX_FIELD_CHARS) {
        return Err(StoreError::bad_value(field, ValueProblem::TooLong { max: MAX_FIELD_CHARS }));
    }
    let normalized = match kind {
        ContactKind::Phone => rules::accept_phone(value).map_err(|problem| StoreError::bad_value(&field, problem))?,
        ContactKind::Email => rules::accept_email(value).map_err(|problem| StoreError::bad_value(&field, problem))?,
        ContactKind::Wechat => value.to_owned(),
        ContactKind::Address => value.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    Ok((value.to_owned(), normalized))
}

/// Everything needed to add a customer; only the name is required.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(default)]
pub struct NewCustomer {
    pub name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub industry: Option<String>,
    pub company_size: Option<CompanySize>,
    pub region: Option<String>,
    pub source: Option<String>,
    pub grade: Option<Grade>,
    pub stage: Option<Stage>,
    pub colour: Option<Colour>,
    pub birthday: Option<String>,
    pub template: Option<String>,
    pub custom: BTreeMap<String, String>,
    pub tags: Vec<String>,
    pub contacts: Vec<NewContact>,
}

impl NewCustomer {
    pub fn named(name: impl Into<String>) -> Self {
        NewCustomer { name: name.into(), ..Default::default() }
    }

    /// A field's value as given: grade and stage without their defaults.
    pub fn value(&self, field: Field) -> Option<String> {
        match field {
            Field::Grade => self.grade.map(|v| v.key().to_owned()),
            Field::Stage => self.stage.map(|v| v.key().to_owned()),
            Field::Name => Some(self.name.clone()).filter(|n| !n.trim().is_empty()),
            _ => self.field_values().into_iter().find(|(f, _)| *f == field).and_then(|(_, v)| v.map(str::to_owned)),
        }
    }

    /// Sets a field from its stored text (as [`Field::normalize`] gives it).
    pub fn set(&mut self, field: Field, value: String) -> std::result::Result<(), String> {
        match field {
            Field::Name => self.name = value,
            Field::Company => self.company = Some(value),
            Field::Title => self.title = Some(value),
            Field::Industry => self.industry = Some(value),
            Field::CompanySize => self.company_size = Some(value.parse()?),
            Field::Region => self.region = Some(value),
            Field::Source => self.source = Some(value),
            Field::Grade => self.grade = Some(value.parse()?),
            Field::Stage => self.stage = Some(value.parse()?),
            Field::Colour => self.colour = Some(value.parse()?),
            Field::Birthday => self.birthday = Some(value),
            Field::Template => self.template = Some(value),
        }
        Ok(())
    }

    fn field_values(&self) -> [(Field, Option<&str>); 12] {
        [
            (Field::Name, Some(&self.name)),
            (Field::Company, self.company.as_deref()),
            (Field::Title, self.title.as_deref()),
            (Field::Industry, self.industry.as_deref()),
            (Field::CompanySize, self.company_size.map(CompanySize::key)),
            (Field::Region, self.region.as_deref()),
            (Field::Source, self.source.as_deref()),
            (Field::Grade, Some(self.grade.unwrap_or(Grade::Normal).key())),
            (Field::Stage, Some(self.stage.unwrap_or(Stage::Potential).key())),
            (Field::Colour, self.colour.map(Colour::key)),
            (Field::Birthday, self.birthday.as_deref()),
            (Field::Template, self.template.as_deref()),
        ]
    }
}

/// One edit to a customer. A list of them is applied in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "op", content = "args", rename_all = "snake_case")]
pub enum Change {
    /// Sets (or with `None` clears) a profile field.
    Set(Field, Option<String>),
    /// Sets (or with `None` removes) a custom field.
    SetCustom(String, Option<String>),
    AddTag(String),
    RemoveTag(String),
    AddContact(NewContact),
    RemoveContact(#[cfg_attr(feature = "ts", ts(type = "number"))] i64),
    /// Removes the contact method of this kind whose value (as typed or normalised) matches.
    RemoveContactValue(ContactKind, String),
}

impl Change {
    /// The change that undoes one recorded change to a customer's field, custom field, tag or
    /// contact method (`old` back in place of `new`); none for a path no change of a customer
    /// sets.
    pub fn undoing(path: &FieldPath, old: Option<String>, new: Option<String>) -> Option<Change> {
        if !path.undoable() {
            return None;
        }
        Some(match path {
            FieldPath::Customer { field } => Change::Set(*field, old),
            FieldPath::Custom { key } => Change::SetCustom(key.clone(), old),
            FieldPath::Tag => match (old, new) {
                (Some(tag), _) => Change::AddTag(tag),
                (None, Some(tag)) => Change::RemoveTag(tag),
                (None, None) => return None,
            },
            FieldPath::Contact { contact } => match (old, new) {
                (Some(value), _) => Change::AddContact(NewContact { kind: *contact, value, label: None }),
                (None, Some(value)) => Change::RemoveContactValue(*contact, value),
                (None, None) => return None,
            },
            _ => return None,
        })
    }

    /// The change that gives `path` the value `value`: how a handover merge takes the incoming
    /// value of a field that differs.
    pub fn setting(path: &FieldPath, value: Option<String>) -> Option<Change> {
        match path {
            FieldPath::Customer { field } => Some(Change::Set(*field, value)),
            FieldPath::Custom { key } => Some(Change::SetCustom(key.clone(), value)),
            _ => None,
        }
    }
}

/// A customer with its profile, custom fields, tags and contact methods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Customer {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub industry: Option<String>,
    pub company_size: Option<CompanySize>,
    pub region: Option<String>,
    pub source: Option<String>,
    pub grade: Grade,
    pub stage: Stage,
    pub colour: Option<Colour>,
    pub birthday: Option<String>,
    pub template: Option<String>,
    pub custom: BTreeMap<String, String>,
    pub tags: Vec<String>,
    pub contacts: Vec<ContactMethod>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl Customer {
    /// A profile field as stored text, the form history records.
    pub fn field(&self, field: Field) -> Option<String> {
        match field {
            Field::Name => Some(self.name.clone()),
            Field::Company => self.company.clone(),
            Field::Title => self.title.clone(),
            Field::Industry => self.industry.clone(),
            Field::CompanySize => self.company_size.map(|v| v.key().to_owned()),
            Field::Region => self.region.clone(),
            Field::Source => self.source.clone(),
            Field::Grade => Some(self.grade.key().to_owned()),
            Field::Stage => Some(self.stage.key().to_owned()),
            Field::Colour => self.colour.map(|v| v.key().to_owned()),
            Field::Birthday => self.birthday.clone(),
            Field::Template => self.template.clone(),
        }
    }
}

/// A row of the customer list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CustomerSummary {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub name: String,
    pub company: Option<String>,
    pub grade: Grade,
    pub stage: Stage,
    pub colour: Option<Colour>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub tags: Vec<String>,
    pub updated_at: DateTime<Utc>,
}

const CUSTOMER_COLUMNS: &str = "id, name, company, title, industry, company_size, region, source, grade, stage, \
                                colour, birthday, template, custom, created_at, updated_at, reviewed_at";

pub(crate) fn normalize_tag(tag: &str) -> Result<String> {
    let tag = tag.trim().trim_start_matches(['#', '＃']).trim();
    if tag.is_empty() {
        return Err(StoreError::bad_value("tag", ValueProblem::Empty));
    }
    if rules::text::too_long(tag, MAX_TAG_CHARS) {
        return Err(StoreError::bad_value(format!("tag '{tag}'"), ValueProblem::TooLong { max: MAX_TAG_CHARS }));
    }
    Ok(tag.to_owned())
}

pub(crate) use crate::rules::text::MAX_CUSTOM_CHARS;

/// A custom field's value as stored: trimmed, empty meaning absent, at most [`MAX_CUSTOM_CHARS`].
pub(crate) fn normalize_custom_value(key: &str, value: Option<&str>) -> Result<Option<String>> {
    let value = clean(value);
    if value.as_ref().is_some_and(|v| v.chars().count() > MAX_CUSTOM_CHARS) {
        return Err(StoreError::bad_value(
            format!("custom.{key}"),
            ValueProblem::TooLong { max: MAX_CUSTOM_CHARS as u32 },
        ));
    }
    Ok(value)
}

pub(crate) fn normalize_custom_key(key: &str) -> Result<String> {
    let key = key.trim();
    if key.is_empty() {
        return Err(StoreError::bad_value("custom field", ValueProblem::Empty));
    }
    if key.chars().count() > 100 {
        return Err(StoreError::bad_value("custom field", ValueProblem::TooLong { max: 100 }));
    }
    Ok(key.to_owned())
}

pub(crate) fn require_customer_template(conn: &Connection, name: &str) -> Result<()> {
    let exists: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM template WHERE kind = 'customer' AND name = ?1)")?
        .query_row([name], |row| row.get(0))?;
    if exists {
        Ok(())
    } else {
        Err(StoreError::bad_value("template", ValueProblem::NoSuchTemplate { name: name.to_owned() }))
    }
}

impl Store {
    /// Adds one customer in its own transaction and returns its id.
    pub(crate) fn add_customer(&mut self, new: &NewCustomer) -> Result<i64> {
        self.write(|tx| insert_customer(tx, new, &clock::now()))
    }

    /// Adds many customers in one transaction (all or none), returning their ids in order.
    pub(crate) fn add_customers(&mut self, new: &[NewCustomer]) -> Result<Vec<i64>> {
        let now = clock::now();
        self.write(|tx| insert_customers(tx, &new.iter().collect::<Vec<_>>(), &now))
    }

    pub(crate) fn customer(&self, id: i64) -> Result<Customer> {
        load_customer(self.conn(), id)?.ok_or_else(|| StoreError::not_found("customer", id))
    }

    /// Removes a customer and every trace of it: its records, history, attachments, and tags
    /// no other customer uses. Freed pages are zeroed (`secure_delete`) and the WAL emptied.
    pub(crate) fn erase_customer(&mut self, id: i64) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute("DELETE FROM customer WHERE id = ?1", [id])?;
            if n == 0 {
                return Err(StoreError::not_found("customer", id));
            }
            tx.execute("DELETE FROM tag WHERE id NOT IN (SELECT tag_id FROM customer_tag)", [])?;
            super::access_log::append(tx, super::AccessEvent::Erase, &format!("customer {id}"))
        })?;
        self.checkpoint()
    }
}

pub(crate) fn load_customer(conn: &Connection, id: i64) -> Result<Option<Customer>> {
    let customer = conn
        .prepare_cached(&format!("SELECT {CUSTOMER_COLUMNS} FROM customer WHERE id = ?1"))?
        .query_row([id], |row| {
            let custom: String = row.get(13)?;
            Ok(Customer {
                id: row.get(0)?,
                name: row.get(1)?,
                company: row.get(2)?,
                title: row.get(3)?,
                industry: row.get(4)?,
                company_size: row.get(5)?,
                region: row.get(6)?,
                source: row.get(7)?,
                grade: row.get(8)?,
                stage: row.get(9)?,
                colour: row.get(10)?,
                birthday: row.get(11)?,
                template: row.get(12)?,
                custom: serde_json::from_str(&custom).unwrap_or_default(),
                tags: Vec::new(),
                contacts: Vec::new(),
                created_at: time_at(row, 14)?,
                updated_at: time_at(row, 15)?,
                reviewed_at: opt_time_at(row, 16)?,
            })
        })
        .optional()?;
    let Some(mut customer) = customer else { return Ok(None) };
    let mut tags = conn.prepare_cached(
        "SELECT t.name FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.customer_id = ?1 ORDER BY t.name",
    )?;
    customer.tags = tags.query_map([id], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut contacts = conn.prepare_cached(
        "SELECT id, kind, label, value, normalized FROM contact_method WHERE customer_id = ?1 ORDER BY id",
    )?;
    customer.contacts = contacts
        .query_map([id], |row| {
            let (kind, value): (ContactKind, String) = (row.get(1)?, row.get(3)?);
            Ok(ContactMethod {
                id: row.get(0)?,
                kind,
                label: row.get(2)?,
                masked: crate::rules::mask_contact(kind, &value),
                value,
                normalized: row.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(customer))
}

/// A new customer's values, checked and normalised, ready to insert: work that needs no
/// database, so a batch can do it on another thread while the notebook writes.
pub(crate) struct PreparedCustomer {
    values: Vec<(Field, Option<String>)>,
    custom_json: String,
    tags: Vec<String>,
    /// (kind, label, value as typed, normalised)
    contacts: Vec<(ContactKind, Option<String>, String, String)>,
}

pub(crate) fn prepare_customer(new: &NewCustomer) -> Result<PreparedCustomer> {
    let mut values = Vec::with_capacity(Field::ALL.len());
    for (field, value) in new.field_values() {
        values.push((field, field.normalize(value)?));
    }
    let mut custom = BTreeMap::new();
    for (key, value) in &new.custom {
        let key = normalize_custom_key(key)?;
        if let Some(value) = normalize_custom_value(&key, Some(value))? {
            custom.insert(key, value);
        }
    }
    let mut tags: Vec<String> = Vec::with_capacity(new.tags.len());
    for tag in &new.tags {
        let tag = normalize_tag(tag)?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let mut contacts = Vec::with_capacity(new.contacts.len());
    for contact in &new.contacts {
        let (value, normalized) = normalize_contact(contact.kind, &contact.value)?;
        contacts.push((contact.kind, clean(contact.label.as_deref()), value, normalized));
    }
    let custom_json = serde_json::to_string(&custom).expect("a string map serialises");
    Ok(PreparedCustomer { values, custom_json, tags, contacts })
}

pub(crate) fn insert_customer(conn: &Connection, new: &NewCustomer, now: &DateTime<Utc>) -> Result<i64> {
    Ok(insert_customers(conn, &[new], now)?[0])
}

pub(crate) fn insert_customers(conn: &Connection, new: &[&NewCustomer], now: &DateTime<Utc>) -> Result<Vec<i64>> {
    let prepared = new.iter().map(|c| prepare_customer(c)).collect::<Result<Vec<_>>>()?;
    insert_prepared(conn, &prepared.iter().collect::<Vec<_>>(), now)
}

/// Adds customers with their tags and contact methods in a few multi-row statements (see
/// [`bulk`]). Returns their ids in order. No history is written: the values a customer starts
/// with are its created state, and the history records every change from there (see
/// [`super::history`]).
pub(crate) fn insert_prepared(
    conn: &Connection,
    prepared: &[&PreparedCustomer],
    now: &DateTime<Utc>,
) -> Result<Vec<i64>> {
    for p in prepared {
        if let Some((_, Some(template))) = p.values.iter().find(|(f, _)| *f == Field::Template) {
            require_customer_template(conn, template)?;
        }
    }
    let stamp = clock::to_db(now);
    let stamp: &dyn rusqlite::ToSql = &stamp;
    let columns: Vec<&str> = Field::ALL.iter().map(|f| f.key()).chain(["custom", "created_at", "updated_at"]).collect();
    let mut rows: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(prepared.len() * columns.len());
    for p in prepared {
        // In the order of `columns`, whatever order the values were prepared in.
        let value = |f: &Field| &p.values.iter().find(|(g, _)| g == f).expect("every field is prepared").1;
        rows.extend(Field::ALL.iter().map(|f| value(f) as &dyn rusqlite::ToSql));
        rows.extend([&p.custom_json as &dyn rusqlite::ToSql, stamp, stamp]);
    }
    let ids = bulk::insert_rows(conn, "customer", &columns, &rows)?;
    // Tags: each distinct name once, then every customer's links in a few statements.
    let mut tag_ids: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    for tag in prepared.iter().flat_map(|p| &p.tags) {
        if !tag_ids.contains_key(tag.as_str()) {
            conn.prepare_cached("INSERT INTO tag (name) VALUES (?1) ON CONFLICT (name) DO NOTHING")?.execute([tag])?;
            let id = conn.prepare_cached("SELECT id FROM tag WHERE name = ?1")?.query_row([tag], |row| row.get(0))?;
            tag_ids.insert(tag, id);
        }
    }
    let links: Vec<(i64, i64)> = prepared
        .iter()
        .zip(&ids)
        .flat_map(|(p, &id)| p.tags.iter().map(move |t| (id, t)))
        .map(|(id, t)| (id, tag_ids[t.as_str()]))
        .collect();
    let link_rows: Vec<&dyn rusqlite::ToSql> = links.iter().flat_map(|(c, t)| [c as &dyn rusqlite::ToSql, t]).collect();
    bulk::insert_rows(conn, "customer_tag", &["customer_id", "tag_id"], &link_rows)?;
    let contact_rows: Vec<&dyn rusqlite::ToSql> = prepared
        .iter()
        .zip(&ids)
        .flat_map(|(p, id)| {
            p.contacts.iter().flat_map(move |(kind, label, value, normalized)| {
                [id as &dyn rusqlite::ToSql, kind, label, value, normalized, stamp]
            })
        })
        .collect();
    let columns = ["customer_id", "kind", "label", "value", "normalized", "created_at"];
    bulk::insert_rows(conn, "contact_method", &columns, &contact_rows)?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_normalisation() {
        assert_eq!(normalize_contact(ContactKind::Phone, " 138-0013 8000 ").unwrap().1, "13800138000");
        assert_eq!(normalize_contact(ContactKind::Phone, "0086 138 0013 8000").unwrap().1, "+8613800138000");
        assert_eq!(normalize_contact(ContactKind::Phone, "１３８００１３８０００").unwrap().1, "13800138000");
        assert!(normalize_contact(ContactKind::Phone, "call me").is_err());
        assert_eq!(normalize_contact(ContactKind::Email, "Li.Wei@Example.COM").unwrap().1, "li.wei@example.com");
        assert!(normalize_contact(ContactKind::Email, "liwei@example").is_err());
        assert!(normalize_contact(ContactKind::Email, "li wei@example.com").is_err());
    }

    #[test]
    fn field_normalisation() {
        assert_eq!(Field::Grade.normalize(Some("重要客户")).unwrap().as_deref(), Some("vip"));
        assert!(Field::Name.normalize(Some("  ")).is_err());
        assert!(Field::Grade.normalize(None).is_err());
        assert_eq!(Field::Company.normalize(Some("  ")).unwrap(), None);
        assert_eq!(Field::Birthday.normalize(Some("1988年3月5日")).unwrap().as_deref(), Some("1988-03-05"));
        assert_eq!(Field::Birthday.normalize(Some("03-05")).unwrap().as_deref(), Some("--03-05"));
        assert!(Field::Birthday.normalize(Some("02-30")).is_err());
        assert_eq!(normalize_tag(" #重点 ").unwrap(), "重点");
    }
}
