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
pub use text::{company_key, full_and_initials, is_cjk, name_key, pinyin_key, tidy};

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
