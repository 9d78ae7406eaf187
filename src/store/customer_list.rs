//! The customer list: which customers a filter matches, in which order, how many, and the
//! values (tags, industries, regions) the list can be filtered by.

use serde::{Deserialize, Serialize};

use super::customer::{CustomerSummary, normalize_tag};
use super::{Colour, Grade, Result, Stage, Store, time_at};

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
    /// Lists customers matching `filter`, in its order, from its offset.
    pub(crate) fn list_customers(&self, filter: &CustomerFilter) -> Result<Vec<CustomerSummary>> {
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
    pub(crate) fn count_customers(&self, filter: &CustomerFilter) -> Result<usize> {
        let (condition, args) = filter_condition(filter)?;
        let sql = format!("SELECT count(*) FROM customer c WHERE {condition}");
        let count: i64 = self
            .conn()
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(args.iter().map(AsRef::as_ref)), |row| row.get(0))?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// Tags, industries and regions in use, most common first.
    pub(crate) fn customer_facets(&self) -> Result<CustomerFacets> {
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
    pub(crate) fn tags(&self) -> Result<Vec<(String, i64)>> {
        let mut stmt = self.conn().prepare(
            "SELECT t.name, count(*) FROM tag t JOIN customer_tag ct ON ct.tag_id = t.id GROUP BY t.id ORDER BY t.name",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_order_reads_an_index_without_sorting() {
        let (_dir, nb) = crate::store::testing::store();
        for sort in [CustomerSort::RecentlyUpdated, CustomerSort::Name, CustomerSort::Grade, CustomerSort::Newest] {
            let filter = CustomerFilter { sort, offset: 5000, limit: Some(200), ..Default::default() };
            let (sql, _) = list_query(&filter).unwrap();
            let mut stmt = nb.conn().prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let plan: Vec<String> =
                stmt.query_map([], |row| row.get::<_, String>(3)).unwrap().map(Result::unwrap).collect();
            assert!(!plan.iter().any(|step| step.contains("TEMP B-TREE")), "{sort:?} sorts: {plan:?}");
        }
    }
}
