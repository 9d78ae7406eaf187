//! The data-quality report: invalid values, duplicate clusters, and each customer's
//! completeness score (0–100, weighted by what a salesperson needs to reach and place them).

use serde::Serialize;

use super::IssueCode;
use super::duplicates::{DuplicateCluster, find_clusters};
use crate::rules::{PhoneCheck, check_credit_code, check_email, check_phone, is_credit_code_field, tidy};
use crate::store::{Change, ContactKind, Field, FieldPath, Store, SurveyedCustomer};

/// A value that fails its check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct InvalidField {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customer_id: i64,
    pub customer_name: String,
    /// A contact method (phone, email), the name or company, or a custom field.
    pub path: FieldPath,
    pub value: String,
    pub code: IssueCode,
    pub reason: String,
    /// The value as it should be, where kehu can tell (trimmed, half-width).
    pub suggestion: Option<String>,
    /// The edit that writes the suggestion.
    pub fix: Option<Change>,
}

/// How complete one customer's record is, and what it lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Completeness {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customer_id: i64,
    pub customer_name: String,
    pub score: u8,
    /// Keys of what is missing: `company`, `phone`, `email`, `title`, `industry`, `region`,
    /// `source`, `address`, `birthday`, `records`.
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct QualityReport {
    pub customers: u32,
    pub invalid: Vec<InvalidField>,
    pub duplicates: Vec<DuplicateCluster>,
    /// Customers scoring below the threshold, least complete first.
    pub incomplete: Vec<Completeness>,
    /// Mean completeness over every customer.
    pub average_score: f64,
}

/// What a complete record has, and what each part weighs (summing to 100).
const WEIGHTS: &[(&str, u8)] = &[
    ("company", 15),
    ("phone", 20),
    ("email", 10),
    ("title", 10),
    ("industry", 10),
    ("region", 10),
    ("source", 5),
    ("address", 5),
    ("birthday", 5),
    ("records", 10),
];

pub fn completeness(c: &SurveyedCustomer) -> Completeness {
    let has_contact = |kind: ContactKind| c.contacts.iter().any(|(k, _, _)| *k == kind);
    let present = |key: &str| match key {
        "company" => c.company.is_some(),
        "phone" => has_contact(ContactKind::Phone),
        "email" => has_contact(ContactKind::Email),
        "title" => c.title.is_some(),
        "industry" => c.industry.is_some(),
        "region" => c.region.is_some(),
        "source" => c.source.is_some(),
        "address" => has_contact(ContactKind::Address),
        "birthday" => c.birthday.is_some(),
        _ => c.notes + c.interactions > 0,
    };
    let mut score = 0;
    let mut missing = Vec::new();
    for &(key, weight) in WEIGHTS {
        if present(key) {
            score += weight;
        } else {
            missing.push(key.to_owned());
        }
    }
    Completeness { customer_id: c.id, customer_name: c.name.clone(), score, missing }
}

fn invalid_fields(c: &SurveyedCustomer, out: &mut Vec<InvalidField>) {
    let mut push = |path: FieldPath, value: &str, code: IssueCode, reason: String, suggestion: Option<String>| {
        out.push(InvalidField {
            customer_id: c.id,
            customer_name: c.name.clone(),
            fix: suggestion.as_ref().and_then(|s| Change::setting(&path, Some(s.clone()))),
            path,
            value: value.to_owned(),
            code,
            reason,
            suggestion,
        });
    };
    for (kind, value, _) in &c.contacts {
        match kind {
            ContactKind::Phone => {
                if let PhoneCheck::Invalid(reason) = check_phone(value) {
                    push(FieldPath::Contact { contact: *kind }, value, IssueCode::Phone, reason, None);
                }
            }
            ContactKind::Email => {
                if let Err(reason) = check_email(value) {
                    push(FieldPath::Contact { contact: *kind }, value, IssueCode::Email, reason, None);
                }
            }
            _ => {}
        }
    }
    for (field, value) in [(Field::Name, Some(&c.name)), (Field::Company, c.company.as_ref())] {
        if let Some(value) = value {
            let tidied = tidy(value);
            if tidied != *value {
                push(
                    FieldPath::Customer { field },
                    value,
                    IssueCode::Untidy,
                    "has full-width characters or extra spaces".into(),
                    Some(tidied),
                );
            }
        }
    }
    for (key, value) in c.custom.iter().filter(|(k, _)| is_credit_code_field(k)) {
        match check_credit_code(value) {
            Err(reason) => push(FieldPath::Custom { key: key.clone() }, value, IssueCode::CreditCode, reason, None),
            Ok(code) if code != *value => {
                push(
                    FieldPath::Custom { key: key.clone() },
                    value,
                    IssueCode::NotCanonical,
                    "not in its canonical form".into(),
                    Some(code),
                );
            }
            Ok(_) => {}
        }
    }
}

/// Checks every customer. `threshold`: records scoring below it are listed as incomplete.
pub(crate) fn quality_report(store: &Store, threshold: u8) -> crate::Result<QualityReport> {
    let customers = store.survey_customers()?;
    let mut invalid = Vec::new();
    let mut incomplete = Vec::new();
    let mut total: u64 = 0;
    for c in &customers {
        invalid_fields(c, &mut invalid);
        let score = completeness(c);
        total += u64::from(score.score);
        if score.score < threshold {
            incomplete.push(score);
        }
    }
    incomplete.sort_by_key(|c| (c.score, c.customer_id));
    let average_score = if customers.is_empty() { 100.0 } else { total as f64 / customers.len() as f64 };
    Ok(QualityReport {
        customers: customers.len() as u32,
        invalid,
        duplicates: find_clusters(&customers),
        incomplete,
        average_score,
    })
}
