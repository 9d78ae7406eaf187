//! Realistic demo data for the benchmark: Chinese and English names, companies with their legal
//! suffixes, phones, emails, tags and multi-sentence notes, from the word lists in
//! `assets/demo/words.json`, reproducible from a seed.

use std::collections::BTreeMap;

use kehu::store::{ContactKind, Grade, NewContact, NewCustomer, Stage};
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

#[derive(Deserialize)]
struct Words {
    surnames: Vec<String>,
    given: Vec<String>,
    english_first: Vec<String>,
    english_last: Vec<String>,
    cities: Vec<String>,
    company_words: Vec<String>,
    industries: Vec<String>,
    company_suffixes: Vec<String>,
    english_companies: Vec<String>,
    titles: Vec<String>,
    sources: Vec<String>,
    tags: Vec<String>,
    note_sentences: Vec<String>,
    note_templates: Vec<String>,
    products: Vec<String>,
    products_en: Vec<String>,
    people: Vec<String>,
    people_en: Vec<String>,
    weekdays: Vec<String>,
    weekdays_en: Vec<String>,
}

pub struct Generator {
    words: Words,
    rng: SmallRng,
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        let words = serde_json::from_str(include_str!("../../../assets/demo/words.json")).expect("valid word lists");
        Generator { words, rng: SmallRng::seed_from_u64(seed) }
    }

    fn pick<'a>(&mut self, list: &'a [String]) -> &'a str {
        list.choose(&mut self.rng).expect("non-empty list")
    }

    pub fn customer(&mut self, i: usize) -> NewCustomer {
        let english = self.rng.random_bool(0.15);
        let w = &self.words;
        let (name, company) = if english {
            let name = format!(
                "{} {}",
                w.english_first.choose(&mut self.rng).unwrap(),
                w.english_last.choose(&mut self.rng).unwrap()
            );
            (name, w.english_companies.choose(&mut self.rng).unwrap().clone())
        } else {
            let name =
                format!("{}{}", w.surnames.choose(&mut self.rng).unwrap(), w.given.choose(&mut self.rng).unwrap());
            let company = format!(
                "{}{}{}{}",
                w.cities.choose(&mut self.rng).unwrap(),
                w.company_words.choose(&mut self.rng).unwrap(),
                w.industries.choose(&mut self.rng).unwrap(),
                w.company_suffixes.choose(&mut self.rng).unwrap()
            );
            (name, company)
        };
        let phone = format!("1{}{:09}", self.rng.random_range(3..=9), self.rng.random_range(0..1_000_000_000u32));
        let email = format!("user{i}@example{}.cn", i % 97);
        let tag_count = self.rng.random_range(0..3);
        let tags = (0..tag_count).map(|_| self.pick(&self.words.tags.clone()).to_owned()).collect();
        let grade = *[Grade::Vip, Grade::Normal, Grade::Normal, Grade::Potential].choose(&mut self.rng).unwrap();
        let stage = *Stage::ALL.choose(&mut self.rng).unwrap();
        // Occasions as a ledger has them: a birthday for some, a signing date for a few.
        let birthday = self.rng.random_bool(0.3).then(|| {
            format!(
                "{}-{:02}-{:02}",
                self.rng.random_range(1960..2001),
                self.rng.random_range(1..13),
                self.rng.random_range(1..29)
            )
        });
        let mut custom = BTreeMap::from([("客户编号".to_owned(), format!("KH{i:07}"))]);
        if self.rng.random_bool(0.1) {
            let signed = format!(
                "{}-{:02}-{:02}",
                self.rng.random_range(2015..2026),
                self.rng.random_range(1..13),
                self.rng.random_range(1..29)
            );
            custom.insert("签约日期".to_owned(), signed);
        }
        NewCustomer {
            name,
            company: Some(company),
            title: Some(self.pick(&self.words.titles.clone()).to_owned()),
            industry: Some(self.pick(&self.words.industries.clone()).to_owned()),
            region: Some(self.pick(&self.words.cities.clone()).to_owned()),
            source: Some(self.pick(&self.words.sources.clone()).to_owned()),
            grade: Some(grade),
            stage: Some(stage),
            birthday,
            custom,
            tags,
            contacts: vec![NewContact::new(ContactKind::Phone, phone), NewContact::new(ContactKind::Email, email)],
            ..NewCustomer::default()
        }
    }

    /// A note of two to five sentences: templates with their slots filled, and stock sentences.
    pub fn note(&mut self) -> String {
        let n = self.rng.random_range(2..=5);
        let mut note = String::new();
        for _ in 0..n {
            if self.rng.random_bool(0.7) {
                note.push_str(&self.templated());
            } else {
                let i = self.rng.random_range(0..self.words.note_sentences.len());
                note.push_str(&self.words.note_sentences[i]);
            }
        }
        note
    }

    fn templated(&mut self) -> String {
        let w = &self.words;
        let template = w.note_templates.choose(&mut self.rng).unwrap().clone();
        let mut out = template;
        for (slot, list) in [
            ("{person}", &w.people),
            ("{product}", &w.products),
            ("{weekday}", &w.weekdays),
            ("{person_en}", &w.people_en),
            ("{product_en}", &w.products_en),
            ("{weekday_en}", &w.weekdays_en),
        ] {
            if out.contains(slot) {
                out = out.replace(slot, list.choose(&mut self.rng).unwrap());
            }
        }
        for (slot, range) in [("{amount}", 5..500), ("{percent}", 3..20), ("{days}", 30..120), ("{count}", 5..60)] {
            if out.contains(slot) {
                out = out.replace(slot, &self.rng.random_range(range).to_string());
            }
        }
        out
    }

    /// Words for benchmark queries: (two-character note words, company words, customer names).
    pub fn query_words(&self) -> (Vec<String>, Vec<String>) {
        let company = self.words.company_words.clone();
        let names: Vec<String> = self
            .words
            .surnames
            .iter()
            .filter(|s| s.chars().count() == 1)
            .flat_map(|s| self.words.given.iter().take(6).map(move |g| format!("{s}{g}")))
            .collect();
        (company, names)
    }
}
