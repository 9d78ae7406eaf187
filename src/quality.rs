//! Data quality: whether the values in a notebook are valid (phones, emails, credit codes),
//! which customers are probably the same person (same phone or email, same name and company
//! once folded, or names that sound alike), and how complete each record is.

mod duplicates;
mod report;

/// What is wrong with a value, for the UI to say in its language (the message is English).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    Phone,
    Email,
    CreditCode,
    Date,
    /// Not one of a field's values (grade, stage, colour, company size).
    Choice,
    TooLong,
    /// A row with neither a name nor a company.
    NoName,
    /// Full-width characters or extra spaces.
    Untidy,
    /// Valid, but not written the standard way.
    NotCanonical,
    /// A part of the record the file holds but that could not be read (a vCard line), left out.
    Unreadable,
}

pub use duplicates::{DuplicateCluster, DuplicateIndex, DuplicateReason, RecordKeys, find_clusters};
pub(crate) use report::quality_report;
pub use report::{Completeness, InvalidField, QualityReport, completeness};
