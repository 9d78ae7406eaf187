//! Rows from outside — a backup, a handover package, kehu's JSON export — checked with the store's
//! own rules before any of them is written: times that the readers can read, vocabularies, the
//! shape of custom fields, lengths. A row that passes is stored in the form the store itself
//! writes (times in their canonical RFC 3339 form, so text order is time order); a row that does
//! not is refused with its table, id and column, and nothing of the package is written.
//!
//! Without this, one hand-edited `"at": "not a time"` in a package was inserted as it came and
//! then failed every read of the notebook for good.

use serde_json::Value as Json;

use super::Field;
use super::customer::{MAX_CUSTOM_CHARS, normalize_custom_key, normalize_custom_value};
use super::note::MAX_NOTE_CHARS;
use super::{
    ComplaintStatus, ContactKind, InteractionKind, RefusedValue, Result, StoreError, TemplateKind, ValueProblem,
};
use crate::clock;

/// One row as a JSON object.
pub type Row = serde_json::Map<String, Json>;

/// A refused value, with where it is: table, row id, column.
fn refuse(
    table: &str,
    row: &Row,
    column: &str,
    reason: impl Into<String>,
    problem: Option<ValueProblem>,
) -> StoreError {
    StoreError::BadRow(Box::new(RefusedValue {
        table: table.to_owned(),
        row: row.get("id").and_then(Json::as_i64),
        column: column.to_owned(),
        reason: reason.into(),
        problem,
    }))
}

fn refuse_value(table: &str, row: &Row, column: &str, problem: ValueProblem) -> StoreError {
    refuse(table, row, column, problem.to_string(), Some(problem))
}

/// The store's own refusal of a value, said at its place in the row.
fn placed(table: &str, row: &Row, column: &str, e: StoreError) -> StoreError {
    match e {
        StoreError::Invalid { reason, problem, .. } => refuse(table, row, column, reason, problem),
        other => other,
    }
}

/// Time columns by table: (column, required).
pub(super) fn time_columns(table: &str) -> &'static [(&'static str, bool)] {
    match table {
        "customer" => &[("created_at", true), ("updated_at", true), ("reviewed_at", false)],
        "contact_method" | "attachment" | "saved_view" => &[("created_at", true)],
        "note" => &[("at", true), ("created_at", true), ("updated_at", true)],
        "interaction" => &[("at", true), ("created_at", true)],
        "task" => &[
            ("created_at", true),
            ("due", false),
            ("done_at", false),
            ("snoozed_until", false),
            ("reminded_at", false),
        ],
        "complaint" => &[("opened_at", true), ("handling_at", false), ("closed_at", false)],
        "secret" => &[("created_at", true), ("updated_at", true)],
        "history" | "access_log" => &[("at", true)],
        "draft" => &[("saved_at", true)],
        _ => &[],
    }
}

/// Text columns with the most characters they may hold.
fn text_limits(table: &str) -> &'static [(&'static str, usize)] {
    match table {
        "contact_method" => &[("value", 500), ("normalized", 500), ("label", 500)],
        "tag" => &[("name", 64)],
        "note" => &[("body", MAX_NOTE_CHARS), ("template", 500)],
        "interaction" => &[("summary", MAX_NOTE_CHARS), ("outcome", MAX_NOTE_CHARS)],
        "task" => &[("title", MAX_NOTE_CHARS)],
        "complaint" => &[("title", MAX_NOTE_CHARS), ("detail", MAX_NOTE_CHARS)],
        "secret" => &[("label", 500), ("username", 500), ("url", 2_000), ("password", 10_000)],
        "attachment" => &[("name", 500), ("mime", 200), ("sha256", 64)],
        "template" => &[("name", 500), ("description", 10_000), ("body", MAX_NOTE_CHARS), ("fields", MAX_NOTE_CHARS)],
        "history" => &[("old", MAX_NOTE_CHARS), ("new", MAX_NOTE_CHARS), ("field", 500), ("record_kind", 100)],
        "saved_view" => &[("name", 500), ("filter", 100_000)],
        "draft" => &[("payload", 4 * 1024 * 1024)],
        "access_log" => &[("detail", 10_000)],
        _ => &[],
    }
}

fn text<'r>(table: &str, row: &'r Row, column: &str) -> Result<Option<&'r str>> {
    match row.get(column) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(other) => Err(refuse(table, row, column, format!("expected text, found {other}"), None)),
    }
}

/// Checks one incoming row of `table` and puts its values in the stored form: what a package
/// reader runs over every row before it plans or writes anything, so a dry run refuses what
/// the import would refuse.
pub fn check_incoming_row(table: &str, row: &mut Row) -> Result<()> {
    check_row(table, row)
}

/// Checks one incoming row of `table` and puts its values in the stored form.
pub(crate) fn check_row(table: &str, row: &mut Row) -> Result<()> {
    for &(column, required) in time_columns(table) {
        match text(table, row, column)? {
            None if required => return Err(refuse_value(table, row, column, ValueProblem::Empty)),
            None => {}
            Some(value) => {
                let Some(at) = clock::from_db(value) else {
                    let value = value.chars().take(40).collect();
                    return Err(refuse_value(table, row, column, ValueProblem::NotATime { value }));
                };
                // The access log's hash covers its text as written: it is only checked.
                if table != "access_log" {
                    row.insert(column.to_owned(), Json::String(clock::to_db(&at)));
                }
            }
        }
    }
    for &(column, max) in text_limits(table) {
        if let Some(value) = text(table, row, column)?
            && value.len() > max
            && value.chars().count() > max
        {
            return Err(refuse_value(table, row, column, ValueProblem::TooLong { max: max as u32 }));
        }
    }
    match table {
        "customer" => check_customer(row)?,
        "contact_method" => vocabulary::<ContactKind>(table, row, "kind")?,
        "interaction" => vocabulary::<InteractionKind>(table, row, "kind")?,
        "complaint" => vocabulary::<ComplaintStatus>(table, row, "status")?,
        "template" => {
            vocabulary::<TemplateKind>(table, row, "kind")?;
            if let Some(fields) = text(table, row, "fields")?
                && !serde_json::from_str::<Json>(fields).is_ok_and(|f| f.is_array())
            {
                return Err(refuse(table, row, "fields", "not a JSON list of fields", None));
            }
        }
        _ => {}
    }
    Ok(())
}

/// A closed vocabulary's column holds one of its keys (a label is turned into its key).
fn vocabulary<V>(table: &str, row: &mut Row, column: &str) -> Result<()>
where
    V: std::str::FromStr<Err = String> + std::fmt::Display,
{
    let Some(value) = text(table, row, column)? else {
        return Err(refuse_value(table, row, column, ValueProblem::Empty));
    };
    let parsed: V = value.parse().map_err(|reason: String| refuse(table, row, column, reason, None))?;
    row.insert(column.to_owned(), Json::String(parsed.to_string()));
    Ok(())
}

fn check_customer(row: &mut Row) -> Result<()> {
    for field in Field::ALL {
        let value = text("customer", row, field.key())?.map(str::to_owned);
        // The template names a template of this notebook or the package; its presence is not
        // checked. A grade or stage left out takes the column's default.
        let defaulted = matches!(field, Field::Grade | Field::Stage) && value.is_none();
        if *field == Field::Template || defaulted {
            continue;
        }
        let normalized = field.normalize(value.as_deref()).map_err(|e| placed("customer", row, field.key(), e))?;
        match normalized {
            Some(v) => row.insert(field.key().to_owned(), Json::String(v)),
            None => row.insert(field.key().to_owned(), Json::Null),
        };
    }
    let custom_text = text("customer", row, "custom")?.unwrap_or("{}");
    if custom_text.len() > MAX_CUSTOM_CHARS * 4 * 64 {
        return Err(refuse("customer", row, "custom", "too many custom fields", None));
    }
    let Ok(Json::Object(custom)) = serde_json::from_str::<Json>(custom_text) else {
        return Err(refuse("customer", row, "custom", "not a JSON object of custom fields", None));
    };
    let mut checked = std::collections::BTreeMap::new();
    for (key, value) in &custom {
        let Json::String(value) = value else {
            return Err(refuse("customer", row, &format!("custom.{key}"), "a custom field's value is text", None));
        };
        let column = format!("custom.{key}");
        let key = normalize_custom_key(key).map_err(|e| placed("customer", row, &column, e))?;
        if let Some(value) =
            normalize_custom_value(&key, Some(value)).map_err(|e| placed("customer", row, &column, e))?
        {
            checked.insert(key, value);
        }
    }
    row.insert("custom".into(), Json::String(serde_json::to_string(&checked).expect("a string map serialises")));
    Ok(())
}

/// An attachment's row says its size and checksum: the bytes that come with it must have them.
pub(crate) fn check_attachment_data(row: &Row, data: &[u8]) -> Result<()> {
    use sha2::Digest;
    let refuse = |column: &str, reason: &str| {
        StoreError::BadRow(Box::new(RefusedValue {
            table: "attachment".into(),
            row: row.get("id").and_then(Json::as_i64),
            column: column.into(),
            reason: reason.into(),
            problem: None,
        }))
    };
    if row.get("size").and_then(Json::as_u64) != Some(data.len() as u64) {
        return Err(refuse("size", "differs from the file's size"));
    }
    let sha256 = hex::encode(sha2::Sha256::digest(data));
    if row.get("sha256").and_then(Json::as_str) != Some(sha256.as_str()) {
        return Err(refuse("sha256", "differs from the file's checksum"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(json: &str) -> Row {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_time_that_does_not_read_is_refused_with_its_place() {
        let mut note = row(r#"{"id": 12, "at": "not a time", "created_at": "2024-01-01T00:00:00Z",
                               "updated_at": "2024-01-01T00:00:00Z", "body": "x"}"#);
        let err = check_row("note", &mut note).unwrap_err().to_string();
        assert!(err.contains("note row 12, at") && err.contains("not a time"), "{err}");
    }

    #[test]
    fn times_are_stored_in_their_canonical_form() {
        let mut task = row(r#"{"id": 1, "title": "t", "created_at": "2024-01-01T08:00:00+08:00", "due": null}"#);
        check_row("task", &mut task).unwrap();
        assert_eq!(task["created_at"], "2024-01-01T00:00:00Z");
        let mut task = row(r#"{"id": 1, "title": "t", "created_at": "2024-01-01T00:00:00Z", "due": "garbage"}"#);
        assert!(check_row("task", &mut task).unwrap_err().to_string().contains("task row 1, due"));
    }

    #[test]
    fn a_customer_is_checked_as_the_edit_path_checks_it() {
        let stamp = r#""created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z""#;
        let mut ok = row(&format!(
            r#"{{"id": 3, "name": " 张伟 ", "grade": "重要客户", "custom": "{{\"合同\": \" A-1 \"}}", {stamp}}}"#
        ));
        check_row("customer", &mut ok).unwrap();
        assert_eq!(ok["name"], "张伟");
        assert_eq!(ok["grade"], "vip");
        assert_eq!(ok["custom"], r#"{"合同":"A-1"}"#);
        for (bad, needle) in [
            (r#""name": "x", "birthday": "someday""#, "customer row 3, birthday"),
            (r#""name": "x", "custom": "[1]""#, "customer row 3, custom"),
            (r#""name": "x", "custom": "{\"a\": 1}""#, "customer row 3, custom.a"),
            (r#""name": "", "grade": "vip""#, "customer row 3, name"),
            (r#""name": "x", "created_at": "yesterday""#, "customer row 3, created_at"),
        ] {
            let text = if bad.contains("created_at") {
                format!(r#"{{"id": 3, {bad}, "updated_at": "2024-01-01T00:00:00Z"}}"#)
            } else {
                format!(r#"{{"id": 3, {bad}, {stamp}}}"#)
            };
            let err = check_row("customer", &mut row(&text)).unwrap_err().to_string();
            assert!(err.contains(needle), "{bad}: {err}");
        }
        let long = "长".repeat(MAX_CUSTOM_CHARS + 1);
        let text = format!(r#"{{"id": 3, "name": "x", "custom": "{{\"备注\": \"{long}\"}}", {stamp}}}"#);
        let err = check_row("customer", &mut row(&text)).unwrap_err().to_string();
        assert!(err.contains("customer row 3, custom.备注") && err.contains("longer than"), "{err}");
    }

    #[test]
    fn vocabularies_take_keys_and_labels_only() {
        let stamp = r#""at": "2024-01-01T00:00:00Z", "created_at": "2024-01-01T00:00:00Z""#;
        let mut call = row(&format!(r#"{{"id": 1, "kind": "电话", "summary": "s", {stamp}}}"#));
        check_row("interaction", &mut call).unwrap();
        assert_eq!(call["kind"], "call");
        let mut bad = row(&format!(r#"{{"id": 1, "kind": "telepathy", "summary": "s", {stamp}}}"#));
        assert!(check_row("interaction", &mut bad).unwrap_err().to_string().contains("interaction row 1, kind"));
    }
}
