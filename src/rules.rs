//! One rule per value, below the store: what a phone number, an email address, a credit code,
//! a piece of text and a note's follow-up line must be, the forms they are kept and compared
//! in, and what is wrong with one that fails ([`ValueProblem`]). The store, data quality, the
//! importers and search all ask here, so a value is judged the same way wherever it comes in.

pub mod cells;
pub mod credit_code;
pub mod email;
pub mod follow_up;
pub mod phone;
pub mod text;

pub use credit_code::{check_credit_code, is_credit_code_field};
pub use email::{accept_email, check_email, mask_email};
pub use phone::{PhoneCheck, accept_phone, check_phone, mask_phone, phone_key};
pub use text::{company_key, full_and_initials, is_cjk, mask_text, name_key, pinyin_key, tidy};

use crate::vocab::ContactKind;

/// A contact value as a screen in privacy mode and a redacted handover package show it: a
/// phone by [`mask_phone`], an email by [`mask_email`], anything else by [`mask_text`]. The one
/// masking rule: the desktop shows what the core masked.
pub fn mask_contact(kind: ContactKind, value: &str) -> String {
    match kind {
        ContactKind::Phone => mask_phone(value),
        ContactKind::Email => mask_email(value),
        ContactKind::Wechat | ContactKind::Address => mask_text(value),
    }
}

/// What is wrong with a value the user entered, as facts (the value itself where it helps).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ValueProblem {
    Empty,
    TooLong {
        max: u32,
    },
    NotAPhone {
        value: String,
    },
    TooShortForAPhone {
        value: String,
    },
    NotAnEmail {
        value: String,
    },
    /// A number outside `min..=max`.
    OutOfRange {
        min: u32,
        max: u32,
    },
    /// A folder given by a relative path.
    NotAFullPath,
    /// A stored time that does not read as one (from a file: a backup, a package).
    NotATime {
        value: String,
    },
    /// Not one of the values a field takes (a grade, a stage, a kind…).
    NotOneOf {
        value: String,
    },
    /// Not a date (a birthday, a note's follow-up date).
    NotADate {
        value: String,
    },
    /// Larger than `max_mib` MiB (an attachment, a draft).
    TooLarge {
        max_mib: u32,
    },
    /// A time that must lie ahead (a snooze's end).
    NotInTheFuture,
    /// A task done already.
    AlreadyDone,
    /// A task closed by an interaction of another customer.
    OtherCustomer,
    /// A customer merged into themselves.
    SameCustomer,
    /// A customer template that does not exist.
    NoSuchTemplate {
        name: String,
    },
    /// A history entry whose change cannot be put back (a task done, a status…).
    NotRestorable,
    /// A selection or filter that matches no customer.
    NothingMatches,
    /// A folder to restore into that already holds files.
    FolderNotEmpty,
    /// A handover package given where a backup is asked for.
    HandoverNotBackup,
    /// An incoming customer to merge that duplicates no customer of the notebook.
    NoDuplicate,
    /// Automatic backups asked for without a backup password.
    NoBackupPassword,
    /// An export encoding that cannot hold every character a notebook holds.
    EncodingTooNarrow {
        encoding: String,
    },
    /// A link a note holds that kehu does not open (not http, https or mailto).
    NotALink {
        value: String,
    },
}

/// The problem in English, as the CLI and the logs say it.
impl std::fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueProblem::Empty => write!(f, "empty value"),
            ValueProblem::TooLong { max } => write!(f, "longer than {max} characters"),
            ValueProblem::NotAPhone { value } => write!(f, "'{value}' is not a phone number"),
            ValueProblem::TooShortForAPhone { value } => write!(f, "'{value}' is too short for a phone number"),
            ValueProblem::NotAnEmail { value } => write!(f, "'{value}' is not an email address"),
            ValueProblem::OutOfRange { min, max } => write!(f, "must be from {min} to {max}"),
            ValueProblem::NotAFullPath => write!(f, "must be a full path"),
            ValueProblem::NotATime { value } => write!(f, "'{value}' is not a time"),
            ValueProblem::NotOneOf { value } => write!(f, "'{value}' is not one of its values"),
            ValueProblem::NotADate { value } => {
                write!(f, "'{value}' is not a date (write 2026-12-05, 2026-12-05 10:00 or 12月5日)")
            }
            ValueProblem::TooLarge { max_mib } => write!(f, "larger than {max_mib} MiB"),
            ValueProblem::NotInTheFuture => write!(f, "must lie in the future"),
            ValueProblem::AlreadyDone => write!(f, "already done"),
            ValueProblem::OtherCustomer => write!(f, "belongs to another customer"),
            ValueProblem::SameCustomer => write!(f, "a customer cannot be merged into itself"),
            ValueProblem::NoSuchTemplate { name } => write!(f, "no customer template named '{name}'"),
            ValueProblem::NotRestorable => write!(f, "this change cannot be put back"),
            ValueProblem::NothingMatches => write!(f, "no customer matches"),
            ValueProblem::FolderNotEmpty => write!(f, "the folder is not empty; choose a new one"),
            ValueProblem::HandoverNotBackup => write!(f, "a handover package, not a backup: import it instead"),
            ValueProblem::NoDuplicate => write!(f, "duplicates no customer to merge into"),
            ValueProblem::NoBackupPassword => write!(f, "no backup password is set"),
            ValueProblem::EncodingTooNarrow { encoding } => {
                write!(f, "{encoding} cannot hold every character; use UTF-8 or GBK")
            }
            ValueProblem::NotALink { value } => write!(f, "'{value}' is not a link kehu opens"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn normalisers_never_panic(s in "\\PC{0,40}") {
            let _ = check_phone(&s);
            let _ = phone_key(&s);
            let _ = check_email(&s);
            let _ = check_credit_code(&s);
            let _ = company_key(&s);
            let _ = pinyin_key(&s);
        }
    }
}
