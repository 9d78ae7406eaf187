//! The query language a salesperson types: words (all must match, in any field: name, content,
//! customer, pinyin), "quoted phrases" (exact), prefix matching on the word still being typed,
//! and filters (`tag:重点 grade:vip stage:active kind:note after:2026-01-01 before:2026-06-30`,
//! or 标签/等级/阶段/类型 in Chinese) combined with the text.

use std::ops::Bound;

use chrono::{DateTime, Utc};
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;

use super::SearchError;
use super::analyzer::{self, BIGRAM, is_cjk};
use super::schema::Fields;
use crate::store::{Grade, SearchKind, Stage};

/// A search as the caller asks it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(default)]
pub struct SearchQuery {
    /// What was typed, inline filters included.
    pub text: String,
    pub kind: Option<SearchKind>,
    pub tag: Option<String>,
    pub grade: Option<Grade>,
    pub stage: Option<Stage>,
    /// Only records at or after this time (notes: when they happened; customers: last change).
    pub after: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
    /// How many hits; 20 when zero.
    pub limit: usize,
}

impl SearchQuery {
    pub fn new(text: impl Into<String>) -> Self {
        SearchQuery { text: text.into(), ..Default::default() }
    }
}

/// The typed text split into its parts.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub words: Vec<String>,
    pub phrases: Vec<String>,
    /// The last word is still being typed (no space after it): match it as a prefix too.
    pub typing: bool,
    pub filters: SearchQuery,
}

impl Parsed {
    pub fn has_text(&self) -> bool {
        !self.words.is_empty() || !self.phrases.is_empty()
    }
}

/// The inline filters whose values are checked, as an error names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum FilterKind {
    Grade,
    Stage,
    Kind,
    Date,
}

fn invalid(filter: FilterKind, value: &str, reason: impl std::fmt::Display) -> SearchError {
    SearchError::Query { filter, value: value.to_owned(), reason: reason.to_string() }
}

/// Splits the text into words, phrases and inline filters, merged with the structured filters.
pub(crate) fn parse(query: &SearchQuery) -> Result<Parsed, SearchError> {
    let mut parsed = Parsed { filters: query.clone(), ..Default::default() };
    // Full-width quotes and colons are what a Chinese keyboard types.
    let text: String = query
        .text
        .chars()
        .map(|c| match c {
            '“' | '”' | '＂' => '"',
            '：' => ':',
            '\u{3000}' => ' ',
            c => c,
        })
        .collect();
    let mut rest = text.as_str();
    while let Some(start) = rest.find('"') {
        let (before, after) = rest.split_at(start);
        parse_words(before, &mut parsed)?;
        let after = &after[1..];
        let end = after.find('"').unwrap_or(after.len());
        let phrase = after[..end].trim();
        if !phrase.is_empty() {
            parsed.phrases.push(phrase.to_owned());
        }
        rest = after.get(end + 1..).unwrap_or("");
    }
    parse_words(rest, &mut parsed)?;
    // A word typed twice asks nothing more than once.
    let mut seen = std::collections::HashSet::new();
    parsed.words.retain(|w| seen.insert(w.clone()));
    parsed.typing = !parsed.words.is_empty()
        && !text.ends_with(char::is_whitespace)
        && !text.trim_end().ends_with('"')
        && text.trim_end().ends_with(parsed.words.last().map(String::as_str).unwrap_or_default());
    Ok(parsed)
}

fn parse_words(text: &str, parsed: &mut Parsed) -> Result<(), SearchError> {
    for word in text.split_whitespace() {
        let Some((key, value)) = word.split_once(':').filter(|(k, v)| !k.is_empty() && !v.is_empty()) else {
            parsed.words.push(word.to_owned());
            continue;
        };
        let f = &mut parsed.filters;
        match key.to_lowercase().as_str() {
            "tag" | "标签" => f.tag = Some(value.to_owned()),
            "grade" | "等级" => f.grade = Some(value.parse().map_err(|e| invalid(FilterKind::Grade, value, e))?),
            "stage" | "阶段" => f.stage = Some(value.parse().map_err(|e| invalid(FilterKind::Stage, value, e))?),
            "kind" | "类型" => f.kind = Some(value.parse().map_err(|e| invalid(FilterKind::Kind, value, e))?),
            "after" | "从" => f.after = Some(date(value)?),
            "before" | "到" => f.before = Some(date(value)?),
            // Not a filter we know (a URL, a time like 10:30): search it as a word.
            _ => parsed.words.push(word.to_owned()),
        }
    }
    Ok(())
}

fn date(value: &str) -> Result<DateTime<Utc>, SearchError> {
    let reason = || format!("'{value}' is not a date (use YYYY-MM-DD)");
    crate::clock::parse_user_time(value).ok_or_else(|| invalid(FilterKind::Date, value, reason()))
}

fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
}

fn boost(query: Box<dyn Query>, by: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, by))
}

fn all_of(queries: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
    match queries.len() {
        0 => None,
        1 => queries.into_iter().next(),
        _ => Some(Box::new(BooleanQuery::intersection(queries))),
    }
}

/// Consecutive bigram (or word) tokens: a term, or a phrase when there are several.
fn bigram_query(f: &Fields, text: &str) -> Option<Box<dyn Query>> {
    let tokens = analyzer::tokens(BIGRAM, text);
    match tokens.len() {
        0 => None,
        1 => Some(term_query(Term::from_field_text(f.bigram, &tokens[0]))),
        _ => {
            let terms = tokens.iter().map(|t| Term::from_field_text(f.bigram, t)).collect();
            Some(Box::new(PhraseQuery::new(terms)))
        }
    }
}

fn prefix_query(field: tantivy::schema::Field, prefix: &str) -> Option<Box<dyn Query>> {
    let pattern = format!("{}.*", regex_syntax_escape(prefix));
    RegexQuery::from_pattern(&pattern, field).ok().map(|q| Box::new(q) as Box<dyn Query>)
}

fn regex_syntax_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~\"@<>".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One word: it must match somewhere, scored highest in a record's own name.
fn word_query(f: &Fields, word: &str, typing: bool) -> Option<Box<dyn Query>> {
    let mut any: Vec<Box<dyn Query>> = Vec::new();
    let words = analyzer::query_words(word);
    // Words go through jieba's words; the bigrams (which hold every text of the record, its
    // customer's name included) catch what jieba cut differently, when the word is not one jieba
    // word itself. Two-character Chinese words never come here: `build` asks them as one bigram.
    for (field, weight) in [(f.name, 4.0), (f.body, 1.0), (f.context, 0.7)] {
        let terms = words.iter().map(|w| term_query(Term::from_field_text(field, w))).collect();
        if let Some(q) = all_of(terms) {
            any.push(boost(q, weight));
        }
    }
    if words.len() != 1
        && let Some(q) = bigram_query(f, word)
    {
        any.push(boost(q, 0.5));
    }
    let latin: String = word.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase();
    let is_latin = !latin.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '\'');
    if is_latin {
        any.push(boost(term_query(Term::from_field_text(f.pinyin, &latin)), 3.0));
        // One letter is the first keystroke of a name in pinyin: it finds customers by initial.
        // Asked of every note's customer too, it would score a third of a million-note notebook.
        if latin.len() >= 2 {
            any.push(boost(term_query(Term::from_field_text(f.context_pinyin, &latin)), 0.5));
        }
    }
    if typing {
        let chars: Vec<char> = word.chars().collect();
        if is_latin && latin.len() >= 2 {
            for (field, weight) in [(f.pinyin, 2.0), (f.name, 2.0), (f.body, 0.5), (f.context_pinyin, 0.3)] {
                if let Some(q) = prefix_query(field, &latin) {
                    any.push(boost(q, weight));
                }
            }
        } else if chars.len() == 1 && is_cjk(chars[0]) {
            let folded = analyzer::tokens(BIGRAM, word);
            if let Some(q) = folded.first().and_then(|c| prefix_query(f.bigram, c)) {
                any.push(boost(q, 0.5));
            }
        }
    }
    if any.is_empty() { None } else { Some(Box::new(BooleanQuery::union(any))) }
}

/// The whole query: every word and phrase, and every filter.
/// The bigram a two-character Chinese word is, folded (華為 → 华为).
fn cjk_pair(word: &str) -> Option<String> {
    let bigrams = analyzer::tokens(BIGRAM, word);
    (bigrams.len() == 1 && bigrams[0].chars().count() == 2 && bigrams[0].chars().all(is_cjk))
        .then(|| bigrams.into_iter().next().unwrap_or_default())
}

pub(crate) fn build(f: &Fields, parsed: &Parsed) -> Box<dyn Query> {
    let mut must: Vec<Box<dyn Query>> = Vec::new();
    let mut should: Vec<Box<dyn Query>> = Vec::new();
    let last = parsed.words.len().saturating_sub(1);
    for (i, word) in parsed.words.iter().enumerate() {
        if let Some(pair) = cjk_pair(word) {
            // The commonest query: required as one bigram term (so several such words intersect
            // plain posting lists), with a match in the record's own name scored on top.
            must.push(term_query(Term::from_field_text(f.bigram, &pair)));
            should.push(boost(term_query(Term::from_field_text(f.name, &pair)), 4.0));
        } else if let Some(q) = word_query(f, word, parsed.typing && i == last) {
            must.push(q);
        }
    }
    for phrase in &parsed.phrases {
        if let Some(q) = bigram_query(f, phrase) {
            must.push(q);
        }
    }
    let filters = &parsed.filters;
    let mut filter: Vec<Box<dyn Query>> = Vec::new();
    if let Some(kind) = filters.kind {
        filter.push(term_query(Term::from_field_u64(f.kind, kind.code())));
    }
    if let Some(tag) = &filters.tag {
        filter.push(term_query(Term::from_field_text(f.tag, tag.trim().trim_start_matches(['#', '＃']))));
    }
    if let Some(grade) = filters.grade {
        filter.push(term_query(Term::from_field_text(f.grade, grade.key())));
    }
    if let Some(stage) = filters.stage {
        filter.push(term_query(Term::from_field_text(f.stage, stage.key())));
    }
    if filters.after.is_some() || filters.before.is_some() {
        let at = |t: &DateTime<Utc>| Term::from_field_date(f.at, tantivy::DateTime::from_timestamp_secs(t.timestamp()));
        let lower = filters.after.as_ref().map_or(Bound::Unbounded, |t| Bound::Included(at(t)));
        let upper = filters.before.as_ref().map_or(Bound::Unbounded, |t| Bound::Included(at(t)));
        filter.push(Box::new(RangeQuery::new(lower, upper)));
    }
    if must.is_empty() && parsed.has_text() {
        // Words that analyse to nothing (punctuation only) match nothing.
        return Box::new(tantivy::query::EmptyQuery);
    }
    if must.is_empty() && filter.is_empty() {
        return Box::new(AllQuery);
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = must.into_iter().map(|q| (Occur::Must, q)).collect();
    clauses.extend(should.into_iter().map(|q| (Occur::Should, q)));
    // Filters decide, they do not score.
    clauses.extend(filter.into_iter().map(|q| (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn Query>)));
    Box::new(BooleanQuery::new(clauses))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_filters_and_typing() {
        let p = parse(&SearchQuery::new("华为 “续签合同” tag：重点 grade:vip zhangw")).unwrap();
        assert_eq!(p.words, vec!["华为", "zhangw"]);
        assert_eq!(p.phrases, vec!["续签合同"]);
        assert_eq!(p.filters.tag.as_deref(), Some("重点"));
        assert_eq!(p.filters.grade, Some(Grade::Vip));
        assert!(p.typing);
        assert!(!parse(&SearchQuery::new("华为 ")).unwrap().typing);
        assert!(!parse(&SearchQuery::new("\"华为\"")).unwrap().typing);
        let p = parse(&SearchQuery::new("会议 10:30 https://x.cn 类型:记录 after:2026-01-01")).unwrap();
        assert_eq!(p.words, vec!["会议", "10:30", "https://x.cn"]);
        assert_eq!(p.filters.kind, Some(SearchKind::Note));
        assert!(p.filters.after.is_some());
        for (text, filter, value) in [
            ("grade:gold", FilterKind::Grade, "gold"),
            ("合同 等级：金牌 ", FilterKind::Grade, "金牌"),
            ("阶段:x", FilterKind::Stage, "x"),
            ("kind:memo", FilterKind::Kind, "memo"),
            ("after:someday", FilterKind::Date, "someday"),
            ("从:2024-1 合同", FilterKind::Date, "2024-1"),
        ] {
            match parse(&SearchQuery::new(text)) {
                Err(SearchError::Query { filter: f, value: v, .. }) => assert_eq!((f, v.as_str()), (filter, value)),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
