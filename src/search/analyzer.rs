//! Text analysis for search: folding (traditional → simplified, full-width → half-width),
//! jieba words (search mode) for Chinese, character bigrams for fragments jieba cuts differently,
//! and pinyin (full, syllables, initials) for names and companies.
//!
//! Written here rather than taken from tantivy-jieba: its tokenizer owns a second copy of the
//! jieba dictionary (≈80 ms and tens of MB to load) and cannot fold before cutting. Folding is
//! one character for one character, so token offsets map back onto the original text and
//! highlights land on what the user wrote.

use std::sync::LazyLock;

use jieba_rs::Jieba;
use pinyin::ToPinyinMulti;

pub(crate) use crate::rules::{full_and_initials, is_cjk};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, TextAnalyzer, Token, TokenStream, Tokenizer};

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Loads the jieba dictionary now rather than at the first keystroke.
pub fn warm_up() {
    LazyLock::force(&JIEBA);
}

pub const TEXT: &str = "kehu_text";
pub const BIGRAM: &str = "kehu_bigram";
pub const PINYIN: &str = "kehu_pinyin";

/// Registers kehu's analysers on an index.
pub fn register(index: &tantivy::Index) {
    let tokenizers = index.tokenizers();
    tokenizers.register(TEXT, analyzer(Words { search_mode: true }));
    tokenizers.register(BIGRAM, analyzer(Bigrams));
    tokenizers.register(PINYIN, analyzer(PinyinTokenizer));
}

fn analyzer<T: Tokenizer>(tokenizer: T) -> TextAnalyzer {
    TextAnalyzer::builder(Folding(tokenizer)).filter(LowerCaser).filter(AsciiFoldingFilter).build()
}

/// Tokens of `text` through one of the analysers above (for queries).
pub fn tokens(name: &str, text: &str) -> Vec<String> {
    let mut analyzer = match name {
        TEXT => analyzer(Words { search_mode: true }),
        BIGRAM => analyzer(Bigrams),
        _ => analyzer(PinyinTokenizer),
    };
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// A word as a query means it: jieba's default cut (服务器 stays 服务器, where search mode also
/// offers 服务), folded and lower-cased like the indexed text. Documents are cut in search mode,
/// so they hold every word this can produce.
pub fn query_words(text: &str) -> Vec<String> {
    let mut analyzer = TextAnalyzer::builder(Folding(Words { search_mode: false }))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Folds one character: full-width ASCII to half-width, the ideographic space to a space.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Folded text with the byte offset of each character in it and in the original.
struct Folded {
    text: String,
    folded_offsets: Vec<usize>,
    original_offsets: Vec<usize>,
}

impl Folded {
    fn new(original: &str) -> Folded {
        // fast2s converts character by character, so both strings have the same characters count.
        let simplified = fast2s::convert(original);
        let mut text = String::with_capacity(simplified.len());
        let mut folded_offsets = Vec::with_capacity(simplified.len() + 1);
        for c in simplified.chars() {
            folded_offsets.push(text.len());
            text.push(fold_width(c));
        }
        folded_offsets.push(text.len());
        let mut original_offsets: Vec<usize> = original.char_indices().map(|(i, _)| i).collect();
        original_offsets.push(original.len());
        debug_assert_eq!(folded_offsets.len(), original_offsets.len());
        Folded { text, folded_offsets, original_offsets }
    }

    fn original(&self, folded_offset: usize) -> usize {
        match self.folded_offsets.binary_search(&folded_offset) {
            Ok(i) => self.original_offsets.get(i).copied().unwrap_or(folded_offset),
            Err(i) => self.original_offsets.get(i.saturating_sub(1)).copied().unwrap_or(folded_offset),
        }
    }
}

/// Runs the inner tokenizer on folded text, keeps tokens with a letter or digit, and maps their
/// offsets back onto the original text.
#[derive(Clone)]
struct Folding<T>(T);

impl<T: Tokenizer> Tokenizer for Folding<T> {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let folded = Folded::new(text);
        let mut tokens = Vec::new();
        let mut stream = self.0.token_stream(&folded.text);
        while stream.advance() {
            let token = stream.token();
            if !token.text.chars().any(char::is_alphanumeric) {
                continue;
            }
            let mut token = token.clone();
            token.offset_from = folded.original(token.offset_from);
            token.offset_to = folded.original(token.offset_to);
            tokens.push(token);
        }
        VecTokenStream { tokens, next: 0 }
    }
}

pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

fn token(text: &str, from: usize, to: usize, position: usize) -> Token {
    Token { offset_from: from, offset_to: to, position, text: text.to_owned(), position_length: 1 }
}

/// jieba's words. In search mode, also the shorter words inside them (中华人民共和国 → 中华, 华人,
/// 人民, 共和, 共和国, 中华人民共和国): how text is indexed. Without, each word once: how a query
/// word is read.
#[derive(Clone)]
struct Words {
    search_mode: bool,
}

impl Tokenizer for Words {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        // jieba sees only the Chinese runs: on Latin text it would split "Café" at the "é".
        let mut tokens = Vec::new();
        for run in runs(text) {
            match run {
                Run::Cjk(chars) => {
                    let (from, to) = span(&chars);
                    let run_text = &text[from..to];
                    let words = if self.search_mode {
                        JIEBA.cut_for_search(run_text, true)
                    } else {
                        JIEBA.cut(run_text, false)
                    };
                    for t in words {
                        tokens.push(token(t.word, from + t.byte_start, from + t.byte_end, tokens.len()));
                    }
                }
                Run::Word(start, word) => tokens.push(token(word, start, start + word.len(), tokens.len())),
            }
        }
        VecTokenStream { tokens, next: 0 }
    }
}

/// A run of characters of one class.
enum Run<'a> {
    Cjk(Vec<(usize, char)>),
    Word(usize, &'a str),
}

/// Byte range of a run of characters in its text.
fn span(chars: &[(usize, char)]) -> (usize, usize) {
    let (last, c) = chars[chars.len() - 1];
    (chars[0].0, last + c.len_utf8())
}

fn runs(text: &str) -> Vec<Run<'_>> {
    let mut runs = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if is_cjk(c) {
            let mut run = Vec::new();
            while let Some(&(i, c)) = chars.peek().filter(|(_, c)| is_cjk(*c)) {
                run.push((i, c));
                chars.next();
            }
            runs.push(Run::Cjk(run));
        } else if c.is_alphanumeric() {
            let mut end = start;
            while let Some(&(i, c)) = chars.peek().filter(|(_, c)| c.is_alphanumeric() && !is_cjk(*c)) {
                end = i + c.len_utf8();
                chars.next();
            }
            runs.push(Run::Word(start, &text[start..end]));
        } else {
            chars.next();
        }
    }
    runs
}

/// Overlapping character bigrams over Chinese (a lone character stays a unigram) and whole
/// words over everything else. Positions are consecutive, so a phrase is an exact substring.
#[derive(Clone)]
struct Bigrams;

impl Tokenizer for Bigrams {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let mut tokens = Vec::new();
        for run in runs(text) {
            match run {
                Run::Cjk(chars) if chars.len() == 1 => {
                    let (i, c) = chars[0];
                    tokens.push(token(&c.to_string(), i, i + c.len_utf8(), tokens.len()));
                }
                Run::Cjk(chars) => {
                    for pair in chars.windows(2) {
                        let (i, a) = pair[0];
                        let (j, b) = pair[1];
                        tokens.push(token(&format!("{a}{b}"), i, j + b.len_utf8(), tokens.len()));
                    }
                }
                Run::Word(start, word) => tokens.push(token(word, start, start + word.len(), tokens.len())),
            }
        }
        VecTokenStream { tokens, next: 0 }
    }
}

/// Pinyin of names and companies: each jieba word as full pinyin (zhangwei) and initials (zw),
/// every syllable in each of its readings (曾 → zeng, ceng), and the whole run likewise.
#[derive(Clone)]
struct PinyinTokenizer;

impl Tokenizer for PinyinTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let mut tokens = Vec::new();
        let mut push = |text: String, from: usize, to: usize| {
            if !text.is_empty() {
                let position = tokens.len();
                tokens.push(token(&text, from, to, position));
            }
        };
        for run in runs(text) {
            match run {
                Run::Word(start, word) => push(word.to_owned(), start, start + word.len()),
                Run::Cjk(chars) => {
                    let (from, to) = span(&chars);
                    let run_text = &text[from..to];
                    for (i, c) in &chars {
                        if let Some(readings) = c.to_pinyin_multi() {
                            for reading in readings {
                                push(reading.plain().to_owned(), *i, i + c.len_utf8());
                            }
                        }
                    }
                    let words = JIEBA.cut(run_text, false);
                    for word in &words {
                        let (full, initials) = full_and_initials(word.word);
                        push(full, from + word.byte_start, from + word.byte_end);
                        push(initials, from + word.byte_start, from + word.byte_end);
                    }
                    if words.len() > 1 {
                        let (full, initials) = full_and_initials(run_text);
                        push(full, from, to);
                        push(initials, from, to);
                    }
                }
            }
        }
        VecTokenStream { tokens, next: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_width_and_script() {
        let t = tokens(TEXT, "華為續簽合同，ＡＢＣ１２３ Café");
        for expected in ["华为", "续签", "合同", "abc123", "cafe"] {
            assert!(t.contains(&expected.to_string()), "{expected} not in {t:?}");
        }
        assert!(!t.iter().any(|t| t == "," || t == " "), "{t:?}");
    }

    #[test]
    fn search_mode_offers_inner_words() {
        let t = tokens(TEXT, "中华人民共和国");
        assert!(t.contains(&"人民".to_string()) && t.contains(&"共和国".to_string()), "{t:?}");
    }

    #[test]
    fn bigrams_cover_every_fragment() {
        assert_eq!(tokens(BIGRAM, "华为技术 ok"), vec!["华为", "为技", "技术", "ok"]);
        assert_eq!(tokens(BIGRAM, "张"), vec!["张"]);
    }

    #[test]
    fn pinyin_full_syllables_and_initials() {
        let t = tokens(PINYIN, "张伟");
        for expected in ["zhang", "wei", "zhangwei", "zw"] {
            assert!(t.contains(&expected.to_string()), "{expected} not in {t:?}");
        }
        let t = tokens(PINYIN, "曾经理");
        assert!(t.contains(&"zeng".to_string()) && t.contains(&"ceng".to_string()), "{t:?}");
        let t = tokens(PINYIN, "華為");
        assert!(t.contains(&"huawei".to_string()), "{t:?}");
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "ＡＢＣ華為";
        let mut analyzer = analyzer(Words { search_mode: true });
        let mut stream = analyzer.token_stream(text);
        let mut spans = Vec::new();
        while stream.advance() {
            let t = stream.token();
            spans.push((t.text.clone(), &text[t.offset_from..t.offset_to]));
        }
        assert!(spans.contains(&("华为".to_string(), "華為")), "{spans:?}");
        assert!(spans.contains(&("abc".to_string(), "ＡＢＣ")), "{spans:?}");
    }
}
