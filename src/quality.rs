//! Data quality: whether the values in a notebook are valid (phones, emails, credit codes),
//! which customers are probably the same person (same phone or email, same name and company
//! once folded, or names that sound alike), and how complete each record is.

mod duplicates;
mod normalize;
mod report;

pub use duplicates::{DuplicateCluster, DuplicateIndex, DuplicateReason, find_clusters};
pub use normalize::{
    PhoneCheck, check_credit_code, check_email, check_phone, company_key, is_credit_code_field, name_key, phone_key,
    pinyin_key, tidy,
};
pub use report::{Completeness, InvalidField, QualityReport, completeness, quality_report};
