//! Customers: their profile fields, custom fields, tags and contact methods, added and edited
//! through one path that validates every value and records every change in the history.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::bulk;
use super::history::record;
use super::{
    Colour, CompanySize, ContactKind, Grade, Result, Stage, Store, StoreError, ValueProblem, clean, opt_time_at,
    time_at, touch_customer,
};
use crate::clock;

/// A customer's profile fields, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Company,
    Title,
    Industry,
    CompanySize,
    Region,
    Source,
    Grade,
    Stage,
    Colour,
    Birthday,
    Template,
}

impl Field {
    pub const ALL: &'static [Field] = &[
        Field::Name,
        Field::Company,
        Field::Title,
        Field::Industry,
        Field::CompanySize,
        Field::Region,
        Field::Source,
        Field::Grade,
        Field::Stage,
        Field::Colour,
        Field::Birthday,
        Field::Template,
    ];

    /// The column name, also the field's name in history and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Company => "company",
            Field::Title => "title",
            Field::Industry => "industry",
            Field::CompanySize => "company_size",
            Field::Region => "region",
            Field::Source => "source",
            Field::Grade => "grade",
            Field::Stage => "stage",
            Field::Colour => "colour",
            Field::Birthday => "birthday",
            Field::Template => "template",
        }
    }

    /// Validates and normalises a value typed by a person into its stored text.
    pub fn normalize(self, value: Option<&str>) -> Result<Option<String>> {
        let value = clean(value);
        let invalid = |reason: String| StoreError::invalid(self.key(), reason);
        let Some(value) = value else {
            return match self {
                Field::Name => Err(invalid("a customer needs a name".into())),
                Field::Grade | Field::Stage => Err(invalid("cannot be empty".into())),
                _ => Ok(None),
            };
        };
        let keyed =
            |parsed: std::result::Result<&'static str, String>| parsed.map(|k| Some(k.to_owned())).map_err(invalid);
        match self {
            Field::Grade => keyed(Grade::from_str(&value).map(Grade::key)),
            Field::Stage => keyed(Stage::from_str(&value).map(Stage::key)),
            Field::Colour => keyed(Colour::from_str(&value).map(Colour::key)),
            Field::CompanySize => keyed(CompanySize::from_str(&value).map(CompanySize::key)),
            Field::Birthday => normalize_birthday(&value).map(Some).map_err(invalid),
            _ if value.chars().count() > 500 => {
                Err(StoreError::bad_value(self.key(), ValueProblem::TooLong { max: 500 }))
            }
            _ => Ok(Some(value)),
        }
    }
}

impl FromStr for Field {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Field::ALL.iter().copied().find(|f| f.key() == s).ok_or_else(|| format!("unknown field '{s}'"))
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
}

/// Checks a contact value and returns (value as typed, trimmed; normalised form).
pub(crate) fn normalize_contact(kind: ContactKind, value: &str) -> Result<(String, String)> {
    let field = format!("contact.{}", kind.key());
    let value = value.trim();
    if value.is_empty() {
        return Err(StoreError::bad_value(field, ValueProblem::Empty));
    }
    if value.chars().count() > 500 {
        return Err(StoreError::bad_value(field, ValueProblem::TooLong { max: 500 }));
    }
    let normalized = match kind {
        ContactKind::Phone => {
            let mut digits = String::new();
            for (i, c) in value.chars().enumerate() {
                match c {
                    '0'..='9' => digits.push(c),
                    '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
                    '+' | '＋' if i == 0 => digits.push('+'),
                    ' ' | '-' | '(' | ')' | '.' | '（' | '）' | '－' => {}
                    _ => return Err(StoreError::bad_value(field, ValueProblem::NotAPhone { value: value.to_owned() })),
                }
            }
            if digits.trim_start_matches('+').len() < 3 {
                return Err(StoreError::bad_value(field, ValueProblem::TooShortForAPhone { value: value.to_owned() }));
            }
            match digits.strip_prefix("0086") {
                Some(rest) => format!("+86{rest}"),
                None => digits,
            }
        }
        ContactKind::Email => {
            let lower = value.to_lowercase();
            let valid = lower.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && !lower.chars().any(char::is_whitespace)
            });
            if !valid {
                return Err(StoreError::bad_value(field, ValueProblem::NotAnEmail { value: value.to_owned() }));
            }
            lower
        }
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

/// Which customers to list; every set criterion must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(default)]
pub struct CustomerFilter {
    pub grade: Option<Grade>,
    pub stage: Option<Stage>,
    pub colour: Option<Colour>,
    pub tag: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    /// Substring of the name or company.
    pub text: Option<String>,
    pub sort: CustomerSort,
    /// Rows to skip (a list window), then at most `limit` rows.
    pub offset: usize,
    pub limit: Option<usize>,
}

/// The order of the customer list. Every order ends with the id, so a window is stable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum CustomerSort {
    #[default]
    RecentlyUpdated,
    Name,
    /// VIP first, then normal, then potential; by name within a grade.
    Grade,
    Newest,
}

impl CustomerSort {
    fn order_by(self) -> &'static str {
        match self {
            CustomerSort::RecentlyUpdated => " ORDER BY c.updated_at DESC, c.id DESC",
            CustomerSort::Name => " ORDER BY c.name COLLATE NOCASE, c.id",
            CustomerSort::Grade => {
                " ORDER BY CASE c.grade WHEN 'vip' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END, c.name COLLATE NOCASE, c.id"
            }
            CustomerSort::Newest => " ORDER BY c.id DESC",
        }
    }
}

/// The values the list can be filtered by, each with how many customers have it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CustomerFacets {
    pub tags: Vec<FacetValue>,
    pub industries: Vec<FacetValue>,
    pub regions: Vec<FacetValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FacetValue {
    pub value: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: i64,
}

const CUSTOMER_COLUMNS: &str = "id, name, company, title, industry, company_size, region, source, grade, stage, \
                                colour, birthday, template, custom, created_at, updated_at, reviewed_at";

fn normalize_tag(tag: &str) -> Result<String> {
    let tag = tag.trim().trim_start_matches(['#', '＃']).trim();
    if tag.is_empty() {
        return Err(StoreError::bad_value("tag", ValueProblem::Empty));
    }
    if tag.chars().count() > 64 {
        return Err(StoreError::bad_value(format!("tag '{tag}'"), ValueProblem::TooLong { max: 64 }));
    }
    Ok(tag.to_owned())
}

/// The longest custom-field value: an Excel cell's limit, so every ledger cell fits, and a row
/// stays far below what a backup's reader takes in one part.
pub(crate) const MAX_CUSTOM_CHARS: usize = 32_767;

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
    if key.is_empty() || key.chars().count() > 100 {
        return Err(StoreError::invalid("custom field", "a custom field needs a name of 1 to 100 characters"));
    }
    Ok(key.to_owned())
}

fn require_customer_template(conn: &Connection, name: &str) -> Result<()> {
    let exists: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM template WHERE kind = 'customer' AND name = ?1)")?
        .query_row([name], |row| row.get(0))?;
    if exists { Ok(()) } else { Err(StoreError::invalid("template", format!("no customer template named '{name}'"))) }
}

type SqlArgs = Vec<Box<dyn rusqlite::ToSql>>;

/// The customer-list query for a filter, with its arguments.
fn list_query(filter: &CustomerFilter) -> Result<(String, SqlArgs)> {
    let (condition, args) = filter_condition(filter)?;
    // LIMIT -1 is SQLite's "no limit", needed when only an offset is set.
    let limit = filter.limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
    let sql = format!(
        "SELECT c.id, c.name, c.company, c.grade, c.stage, c.colour, c.industry, c.region, c.updated_at,
                (SELECT json_group_array(t.name) FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id
                  WHERE ct.customer_id = c.id)
         FROM customer c WHERE {condition}{} LIMIT {limit} OFFSET {}",
        filter.sort.order_by(),
        filter.offset
    );
    Ok((sql, args))
}

/// The `WHERE` condition (over `customer c`) and its arguments for a filter.
fn filter_condition(filter: &CustomerFilter) -> Result<(String, SqlArgs)> {
    let mut sql = String::from("1 = 1");
    let mut args: SqlArgs = Vec::new();
    let mut add = |clause: &str, value: Box<dyn rusqlite::ToSql>| {
        args.push(value);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(grade) = filter.grade {
        add(" AND c.grade = ?", Box::new(grade));
    }
    if let Some(stage) = filter.stage {
        add(" AND c.stage = ?", Box::new(stage));
    }
    if let Some(colour) = filter.colour {
        add(" AND c.colour = ?", Box::new(colour));
    }
    if let Some(industry) = filter.industry.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        add(" AND c.industry = ?", Box::new(industry.to_owned()));
    }
    if let Some(region) = filter.region.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        add(" AND c.region = ?", Box::new(region.to_owned()));
    }
    if let Some(tag) = filter.tag.as_deref().filter(|v| !v.trim().is_empty()) {
        add(
            " AND c.id IN (SELECT ct.customer_id FROM customer_tag ct JOIN tag t ON t.id = ct.tag_id WHERE t.name = ?)",
            Box::new(normalize_tag(tag)?),
        );
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        let pattern = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        add(" AND (c.name LIKE ? ESCAPE '\\'", Box::new(pattern));
        sql.push_str(&format!(" OR c.company LIKE ?{} ESCAPE '\\')", args.len()));
    }
    Ok((sql, args))
}

impl Store {
    /// Adds one customer in its own transaction and returns its id.
    pub fn add_customer(&mut self, new: &NewCustomer) -> Result<i64> {
        self.write(|tx| insert_customer(tx, new, &clock::now()))
    }

    /// Adds many customers in one transaction (all or none), returning their ids in order.
    pub fn add_customers(&mut self, new: &[NewCustomer]) -> Result<Vec<i64>> {
        let now = clock::now();
        self.write(|tx| insert_customers(tx, &new.iter().collect::<Vec<_>>(), &now))
    }

    pub fn customer(&self, id: i64) -> Result<Customer> {
        load_customer(self.conn(), id)?.ok_or_else(|| StoreError::not_found("customer", id))
    }

    /// Applies `changes` in one transaction, recording each changed value in the history.
    /// Returns how many values actually changed.
    pub fn edit_customer(&mut self, id: i64, changes: &[Change]) -> Result<usize> {
        self.write(|tx| apply_changes(tx, id, changes, &clock::now()))
    }

    /// Marks a customer as reviewed now (the review queue counts from here).
    pub fn mark_reviewed(&mut self, id: i64) -> Result<()> {
        self.write(|tx| {
            let now = clock::to_db(&clock::now());
            let n = tx.execute("UPDATE customer SET reviewed_at = ?1 WHERE id = ?2", params![now, id])?;
            if n == 0 { Err(StoreError::not_found("customer", id)) } else { Ok(()) }
        })
    }

    /// Lists customers matching `filter`, in its order, from its offset.
    pub fn list_customers(&self, filter: &CustomerFilter) -> Result<Vec<CustomerSummary>> {
        let (sql, args) = list_query(filter)?;
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter().map(AsRef::as_ref)), |row| {
            let tags: String = row.get(9)?;
            Ok(CustomerSummary {
                id: row.get(0)?,
                name: row.get(1)?,
                company: row.get(2)?,
                grade: row.get(3)?,
                stage: row.get(4)?,
                colour: row.get(5)?,
                industry: row.get(6)?,
                region: row.get(7)?,
                updated_at: time_at(row, 8)?,
                tags: serde_json::from_str(&tags).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many customers match `filter` (its order, offset and limit aside).
    pub fn count_customers(&self, filter: &CustomerFilter) -> Result<usize> {
        let (condition, args) = filter_condition(filter)?;
        let sql = format!("SELECT count(*) FROM customer c WHERE {condition}");
        let count: i64 = self
            .conn()
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(args.iter().map(AsRef::as_ref)), |row| row.get(0))?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// Tags, industries and regions in use, most common first.
    pub fn customer_facets(&self) -> Result<CustomerFacets> {
        let facet = |sql: &str| -> Result<Vec<FacetValue>> {
            let mut stmt = self.conn().prepare_cached(sql)?;
            let rows = stmt.query_map([], |row| Ok(FacetValue { value: row.get(0)?, count: row.get(1)? }))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        Ok(CustomerFacets {
            tags: facet(
                "SELECT t.name, count(*) AS n FROM tag t JOIN customer_tag ct ON ct.tag_id = t.id
                 GROUP BY t.id ORDER BY n DESC, t.name LIMIT 500",
            )?,
            industries: facet(
                "SELECT industry, count(*) AS n FROM customer WHERE industry IS NOT NULL
                 GROUP BY industry ORDER BY n DESC, industry LIMIT 500",
            )?,
            regions: facet(
                "SELECT region, count(*) AS n FROM customer WHERE region IS NOT NULL
                 GROUP BY region ORDER BY n DESC, region LIMIT 500",
            )?,
        })
    }

    /// Every tag in use, with how many customers carry it.
    pub fn tags(&self) -> Result<Vec<(String, i64)>> {
        let mut stmt = self.conn().prepare(
            "SELECT t.name, count(*) FROM tag t JOIN customer_tag ct ON ct.tag_id = t.id GROUP BY t.id ORDER BY t.name",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Removes a customer and every trace of it: its records, history, attachments, and tags
    /// no other customer uses. Freed pages are zeroed (`secure_delete`) and the WAL emptied.
    pub fn erase_customer(&mut self, id: i64) -> Result<()> {
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
            Ok(ContactMethod {
                id: row.get(0)?,
                kind: row.get(1)?,
                label: row.get(2)?,
                value: row.get(3)?,
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

/// Merges `incoming` into customer `id` as it is now: its empty fields filled, the custom fields,
/// tags and contact methods it lacks added (a contact method by its `contact_key`); a value both
/// have stays as the customer has it.
pub(crate) fn fill_customer(
    conn: &Connection,
    id: i64,
    incoming: &NewCustomer,
    contact_key: &dyn Fn(ContactKind, &str) -> String,
    now: &DateTime<Utc>,
) -> Result<usize> {
    let current = load_customer(conn, id)?.ok_or_else(|| StoreError::not_found("customer", id))?;
    let mut changes: Vec<Change> = Field::ALL
        .iter()
        .filter(|&&field| current.field(field).is_none())
        .filter_map(|&field| Some(Change::Set(field, Some(incoming.value(field)?))))
        .collect();
    for (key, value) in &incoming.custom {
        // A key that does not normalise is let through, for its change to say why.
        if normalize_custom_key(key).map_or(true, |key| !current.custom.contains_key(&key)) {
            changes.push(Change::SetCustom(key.clone(), Some(value.clone())));
        }
    }
    // Tags the customer has already are left out by `apply_change`.
    changes.extend(incoming.tags.iter().map(|tag| Change::AddTag(tag.clone())));
    let mut known: std::collections::HashSet<(ContactKind, String)> =
        current.contacts.iter().map(|c| (c.kind, contact_key(c.kind, &c.value))).collect();
    for contact in &incoming.contacts {
        if known.insert((contact.kind, contact_key(contact.kind, &contact.value))) {
            changes.push(Change::AddContact(contact.clone()));
        }
    }
    apply_changes_to(conn, current, &changes, now)
}

pub(crate) fn apply_changes(conn: &Connection, id: i64, changes: &[Change], now: &DateTime<Utc>) -> Result<usize> {
    let current = load_customer(conn, id)?.ok_or_else(|| StoreError::not_found("customer", id))?;
    apply_changes_to(conn, current, changes, now)
}

/// [`apply_changes`] to a customer the caller has just loaded in this transaction.
pub(crate) fn apply_changes_to(
    conn: &Connection,
    mut current: Customer,
    changes: &[Change],
    now: &DateTime<Utc>,
) -> Result<usize> {
    let id = current.id;
    let mut changed = 0;
    for change in changes {
        changed += usize::from(apply_change(conn, &mut current, change, now)?);
    }
    if changed > 0 {
        touch_customer(conn, id, now)?;
    }
    Ok(changed)
}

/// Applies one change; `true` when something actually changed.
fn apply_change(conn: &Connection, current: &mut Customer, change: &Change, now: &DateTime<Utc>) -> Result<bool> {
    let id = current.id;
    match change {
        Change::Set(field, value) => {
            let new = field.normalize(value.as_deref())?;
            let old = current.field(*field);
            if new == old {
                return Ok(false);
            }
            if let (Field::Template, Some(name)) = (field, &new) {
                require_customer_template(conn, name)?;
            }
            conn.execute(&format!("UPDATE customer SET {} = ?1 WHERE id = ?2", field.key()), params![new, id])?;
            record(conn, id, "customer", id, field.key(), old.as_deref(), new.as_deref(), now)?;
            *current = load_customer(conn, id)?.expect("customer exists inside its own transaction");
            Ok(true)
        }
        Change::SetCustom(key, value) => {
            let key = normalize_custom_key(key)?;
            let new = normalize_custom_value(&key, value.as_deref())?;
            let old = current.custom.get(&key).cloned();
            if new == old {
                return Ok(false);
            }
            match &new {
                Some(v) => current.custom.insert(key.clone(), v.clone()),
                None => current.custom.remove(&key),
            };
            conn.execute(
                "UPDATE customer SET custom = ?1 WHERE id = ?2",
                params![serde_json::to_string(&current.custom).expect("a string map serialises"), id],
            )?;
            record(conn, id, "customer", id, &format!("custom.{key}"), old.as_deref(), new.as_deref(), now)?;
            Ok(true)
        }
        Change::AddTag(tag) => {
            let tag = normalize_tag(tag)?;
            if current.tags.contains(&tag) {
                return Ok(false);
            }
            add_tag(conn, id, &tag, now)?;
            current.tags.push(tag);
            Ok(true)
        }
        Change::RemoveTag(tag) => {
            let tag = normalize_tag(tag)?;
            if !current.tags.contains(&tag) {
                return Ok(false);
            }
            conn.execute(
                "DELETE FROM customer_tag WHERE customer_id = ?1 AND tag_id = (SELECT id FROM tag WHERE name = ?2)",
                params![id, tag],
            )?;
            record(conn, id, "customer", id, "tag", Some(&tag), None, now)?;
            current.tags.retain(|t| *t != tag);
            Ok(true)
        }
        Change::AddContact(contact) => {
            let (_, normalized) = normalize_contact(contact.kind, &contact.value)?;
            if current.contacts.iter().any(|c| c.kind == contact.kind && c.normalized == normalized) {
                return Ok(false);
            }
            let added = add_contact(conn, id, contact, now)?;
            current.contacts.push(added);
            Ok(true)
        }
        Change::RemoveContact(contact_id) => {
            let Some(pos) = current.contacts.iter().position(|c| c.id == *contact_id) else {
                return Err(StoreError::not_found("contact method", contact_id));
            };
            remove_contact(conn, id, &current.contacts.remove(pos), now)?;
            Ok(true)
        }
        Change::RemoveContactValue(kind, value) => {
            let normalized = normalize_contact(*kind, value).map(|(_, n)| n).unwrap_or_default();
            let Some(pos) = current
                .contacts
                .iter()
                .position(|c| c.kind == *kind && (c.value == value.trim() || c.normalized == normalized))
            else {
                return Err(StoreError::not_found("contact method", format!("{kind} '{}'", value.trim())));
            };
            remove_contact(conn, id, &current.contacts.remove(pos), now)?;
            Ok(true)
        }
    }
}

fn add_tag(conn: &Connection, customer_id: i64, tag: &str, now: &DateTime<Utc>) -> Result<()> {
    conn.prepare_cached("INSERT INTO tag (name) VALUES (?1) ON CONFLICT (name) DO NOTHING")?.execute([tag])?;
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO customer_tag (customer_id, tag_id) SELECT ?1, id FROM tag WHERE name = ?2",
        )?
        .execute(params![customer_id, tag])?;
    if inserted > 0 {
        record(conn, customer_id, "customer", customer_id, "tag", None, Some(tag), now)?;
    }
    Ok(())
}

fn add_contact(
    conn: &Connection,
    customer_id: i64,
    contact: &NewContact,
    now: &DateTime<Utc>,
) -> Result<ContactMethod> {
    let (value, normalized) = normalize_contact(contact.kind, &contact.value)?;
    let label = clean(contact.label.as_deref());
    conn.prepare_cached(
        "INSERT INTO contact_method (customer_id, kind, label, value, normalized, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![customer_id, contact.kind, label, value, normalized, clock::to_db(now)])?;
    let id = conn.last_insert_rowid();
    let field = format!("contact.{}", contact.kind.key());
    record(conn, customer_id, "contact", id, &field, None, Some(&value), now)?;
    Ok(ContactMethod { id, kind: contact.kind, label, value, normalized })
}

fn remove_contact(conn: &Connection, customer_id: i64, contact: &ContactMethod, now: &DateTime<Utc>) -> Result<()> {
    conn.execute("DELETE FROM contact_method WHERE id = ?1", [contact.id])?;
    let field = format!("contact.{}", contact.kind.key());
    record(conn, customer_id, "contact", contact.id, &field, Some(&contact.value), None, now)
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
    fn every_list_order_reads_an_index_without_sorting() {
        let (_dir, nb) = crate::notebook::testing::notebook();
        for sort in [CustomerSort::RecentlyUpdated, CustomerSort::Name, CustomerSort::Grade, CustomerSort::Newest] {
            let filter = CustomerFilter { sort, offset: 5000, limit: Some(200), ..Default::default() };
            let (sql, _) = list_query(&filter).unwrap();
            let mut stmt = nb.conn().prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let plan: Vec<String> =
                stmt.query_map([], |row| row.get::<_, String>(3)).unwrap().map(Result::unwrap).collect();
            assert!(!plan.iter().any(|step| step.contains("TEMP B-TREE")), "{sort:?} sorts: {plan:?}");
        }
    }

    #[test]
    fn customers_start_with_no_history_and_their_first_change_records_the_created_value() {
        let (_dir, mut nb) = crate::notebook::testing::notebook();
        let mut first = NewCustomer::named("王芳");
        first.tags = vec!["重点".into()];
        let mut second = NewCustomer::named("张伟");
        second.company = Some("华为技术有限公司".into());
        second.custom = BTreeMap::from([("合同号".into(), "HT-1".into())]);
        second.contacts = vec![NewContact { kind: ContactKind::Phone, value: "138 0013 8000".into(), label: None }];
        let ids = nb.add_customers(&[first, second]).unwrap();
        assert!(nb.history(ids[0]).unwrap().is_empty());
        assert!(nb.history(ids[1]).unwrap().is_empty());

        let phone = nb.customer(ids[1]).unwrap().contacts[0].id;
        let changes = [
            Change::Set(Field::Company, Some("华为".into())),
            Change::SetCustom("合同号".into(), None),
            Change::RemoveContact(phone),
        ];
        nb.edit_customer(ids[1], &changes).unwrap();
        nb.edit_customer(ids[0], &[Change::RemoveTag("重点".into())]).unwrap();
        let recorded = |id| -> Vec<(String, Option<String>, Option<String>)> {
            nb.history(id).unwrap().into_iter().map(|h| (h.field, h.old, h.new)).collect()
        };
        let some = |v: &str| Some(v.to_owned());
        assert_eq!(
            recorded(ids[1]),
            [
                ("company".into(), some("华为技术有限公司"), some("华为")),
                ("custom.合同号".into(), some("HT-1"), None),
                ("contact.phone".into(), some("138 0013 8000"), None),
            ]
        );
        assert_eq!(recorded(ids[0]), [("tag".into(), some("重点"), None)]);
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
