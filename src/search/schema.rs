//! The index schema: one document per customer, note, interaction, complaint and template, with
//! the fields search scores on and the fast fields filters and ranking read.

use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions};

use super::analyzer;

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `kind:id`, the term a record's document is replaced by.
    pub key: Field,
    pub kind: Field,
    pub record_id: Field,
    pub customer_id: Field,
    pub at: Field,
    /// The record's own name (customer name, company, title; template name): scored highest.
    pub name: Field,
    pub body: Field,
    /// A child record's customer name and company.
    pub context: Field,
    /// Character bigrams of everything: fragments and exact phrases.
    pub bigram: Field,
    pub pinyin: Field,
    pub context_pinyin: Field,
    pub tag: Field,
    pub grade: Field,
    pub stage: Field,
}

fn text(tokenizer: &str, record: IndexRecordOption) -> TextOptions {
    TextOptions::default()
        .set_indexing_options(TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(record))
}

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let freqs = IndexRecordOption::WithFreqs;
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        kind: b.add_u64_field("kind", INDEXED | FAST),
        record_id: b.add_i64_field("record_id", FAST),
        customer_id: b.add_i64_field("customer_id", FAST),
        at: b.add_date_field("at", INDEXED | FAST),
        name: b.add_text_field("name", text(analyzer::TEXT, freqs)),
        body: b.add_text_field("body", text(analyzer::TEXT, freqs)),
        context: b.add_text_field("context", text(analyzer::TEXT, freqs)),
        bigram: b.add_text_field("bigram", text(analyzer::BIGRAM, IndexRecordOption::WithFreqsAndPositions)),
        pinyin: b.add_text_field("pinyin", text(analyzer::PINYIN, IndexRecordOption::Basic)),
        context_pinyin: b.add_text_field("context_pinyin", text(analyzer::PINYIN, IndexRecordOption::Basic)),
        tag: b.add_text_field("tag", STRING),
        grade: b.add_text_field("grade", STRING),
        stage: b.add_text_field("stage", STRING),
    };
    (b.build(), fields)
}
