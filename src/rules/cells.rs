//! A cell's text made safe for the spreadsheet that opens it, and read back. A cell that begins
//! with `=`, `+`, `-`, `@`, a tab or a carriage return is taken by Excel, WPS and LibreOffice as a
//! formula (formula or DDE injection: a customer "named" `=HYPERLINK(…)` becomes a link, or runs
//! a command). OWASP's advice, followed here: in CSV such a cell is written after a single quote,
//! which the spreadsheet shows as text; in XLSX the cell is a string already and is also marked
//! quote-prefixed, so editing it in Excel keeps it text. kehu's importer takes the quote off again.

use std::borrow::Cow;

/// Whether a spreadsheet would read `value` as the start of a formula.
pub fn is_formula_like(value: &str) -> bool {
    matches!(value.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'))
}

/// The text to write into a CSV cell: `value`, after a quote when it looks like a formula.
pub fn neutralize(value: &str) -> Cow<'_, str> {
    if is_formula_like(value) { Cow::Owned(format!("'{value}")) } else { Cow::Borrowed(value) }
}

/// A cell as kehu wrote it: the quote [`neutralize`] added taken off again.
pub fn unquote(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if is_formula_like(rest) => rest,
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_quoted_and_read_back() {
        for value in ["=1+1", "+86 138 1234 5678", "-5", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"] {
            let written = neutralize(value);
            assert_eq!(written, format!("'{value}"));
            assert_eq!(unquote(&written), value);
        }
        for value in ["张伟", "138", "'quoted by the user", "a=b", ""] {
            assert_eq!(neutralize(value), value);
            assert_eq!(unquote(value), value);
        }
    }
}
