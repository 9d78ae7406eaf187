//! The whole notebook's customers in one pass — profile, custom fields, contacts and record
//! counts — for data-quality checks and duplicate detection, which look at everyone at once.

use std::collections::BTreeMap;

use super::{ContactKind, Grade, Result, Store};

/// One customer as the quality checks see it.
#[derive(Debug, Clone)]
pub struct SurveyedCustomer {
    pub id: i64,
    pub name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub source: Option<String>,
    pub birthday: Option<String>,
    pub grade: Grade,
    pub custom: BTreeMap<String, String>,
    /// (kind, value as typed, normalised)
    pub contacts: Vec<(ContactKind, String, String)>,
    pub notes: i64,
    pub interactions: i64,
}

impl Store {
    /// Every customer, by id.
    pub(crate) fn survey_customers(&self) -> Result<Vec<SurveyedCustomer>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT c.id, c.name, c.company, c.title, c.industry, c.region, c.source, c.birthday, c.grade, c.custom,
                    (SELECT count(*) FROM note n WHERE n.customer_id = c.id),
                    (SELECT count(*) FROM interaction i WHERE i.customer_id = c.id)
             FROM customer c ORDER BY c.id",
        )?;
        let mut customers: Vec<SurveyedCustomer> = stmt
            .query_map([], |row| {
                let custom: String = row.get(9)?;
                Ok(SurveyedCustomer {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    company: row.get(2)?,
                    title: row.get(3)?,
                    industry: row.get(4)?,
                    region: row.get(5)?,
                    source: row.get(6)?,
                    birthday: row.get(7)?,
                    grade: row.get(8)?,
                    custom: serde_json::from_str(&custom).unwrap_or_default(),
                    contacts: Vec::new(),
                    notes: row.get(10)?,
                    interactions: row.get(11)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let index: BTreeMap<i64, usize> = customers.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        let mut stmt = conn.prepare("SELECT customer_id, kind, value, normalized FROM contact_method ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(&i) = index.get(&row.get::<_, i64>(0)?) {
                customers[i].contacts.push((row.get(1)?, row.get(2)?, row.get(3)?));
            }
        }
        Ok(customers)
    }
}
