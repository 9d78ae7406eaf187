//! Email addresses: the shape the store accepts (one `@`, a dotted domain, no spaces) and
//! the stricter check data quality and imports apply.

use unicode_normalization::UnicodeNormalization;

use super::ValueProblem;

/// The lower-case form the store keeps of an address it accepts: something before one `@`,
/// a dotted domain after it, no spaces.
pub fn accept_email(value: &str) -> Result<String, ValueProblem> {
    let lower = value.to_lowercase();
    let valid = lower.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !lower.chars().any(char::is_whitespace)
    });
    if valid { Ok(lower) } else { Err(ValueProblem::NotAnEmail { value: value.to_owned() }) }
}

/// Checks an email address's shape (one `@`, a dotted domain of letters, digits and hyphens,
/// no spaces); returns its lower-case form.
pub fn check_email(value: &str) -> Result<String, String> {
    let folded: String = value.nfkc().collect::<String>().trim().to_lowercase();
    let bad = || format!("'{value}' is not an email address");
    let (local, domain) = folded.split_once('@').ok_or_else(bad)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.chars().count() >= 2);
    if local_ok && domain_ok { Ok(folded) } else { Err(bad()) }
}

/// zhang.wei@example.com → z***@example.com
pub fn mask_email(value: &str) -> String {
    match value.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(check_email(" Zhang.San@Example.COM ").as_deref(), Ok("zhang.san@example.com"));
        assert_eq!(check_email("ｌｉ＠ｑｑ．ｃｏｍ").as_deref(), Ok("li@qq.com"));
        for bad in ["zhang", "a@b", "a@@b.com", "a b@c.com", "@c.com", "a@.com", "a@c.", "a..b@c.com", "a@c.c"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_store_accepts_what_a_person_may_have_typed() {
        assert_eq!(accept_email("Li@Example.cn").as_deref(), Ok("li@example.cn"));
        assert!(accept_email("a@c.c").is_ok(), "looser than the quality check");
        for bad in ["zhang", "a@b", "@c.com", "a@.com", "a b@c.com"] {
            assert!(accept_email(bad).is_err(), "{bad}");
        }
    }
}
