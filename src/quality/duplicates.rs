//! Duplicate detection: every customer reduced to keys (phone, email, folded name + company,
//! name by sound + company) and grouped when they share one.

use std::collections::HashMap;

use serde::Serialize;

use crate::rules::{check_email, company_key, name_key, phone_key, pinyin_key};
use crate::store::{ContactKind, SurveyedCustomer};

/// Why two customers are taken for one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum DuplicateReason {
    Phone(String),
    Email(String),
    /// The same name and company once script, width, spaces and legal-form words are folded.
    NameAndCompany,
    /// Names that sound the same (pinyin) at the same company: 章伟 and 张伟.
    SimilarName,
}

impl DuplicateReason {
    fn key(&self, customer_keys: &Keys) -> Option<String> {
        match self {
            DuplicateReason::Phone(p) => Some(format!("p:{p}")),
            DuplicateReason::Email(e) => Some(format!("e:{e}")),
            DuplicateReason::NameAndCompany => customer_keys.name_company.clone(),
            DuplicateReason::SimilarName => customer_keys.sound_company.clone(),
        }
    }
}

/// The keys one customer is compared by.
struct Keys {
    contacts: Vec<DuplicateReason>,
    name_company: Option<String>,
    sound_company: Option<String>,
}

impl Keys {
    fn of(name: &str, company: Option<&str>, contacts: &[(ContactKind, String)], by_sound: bool) -> Keys {
        let mut keyed = Vec::new();
        for (kind, value) in contacts {
            match kind {
                ContactKind::Phone => keyed.push(DuplicateReason::Phone(phone_key(value))),
                ContactKind::Email => {
                    keyed.push(DuplicateReason::Email(check_email(value).unwrap_or_else(|_| value.to_lowercase())));
                }
                _ => {}
            }
        }
        // A name alone is not enough: two 张伟 at different (or unknown) companies are two people.
        let company = company.map(company_key).filter(|c| !c.is_empty());
        let folded = name_key(name);
        let name_company = company.as_ref().filter(|_| !folded.is_empty()).map(|c| format!("n:{folded}|{c}"));
        let sound_company = company
            .as_ref()
            .filter(|_| by_sound)
            .map(|c| (pinyin_key(name), c))
            .filter(|(sound, _)| !sound.is_empty())
            .map(|(sound, c)| format!("s:{sound}|{c}"));
        Keys { contacts: keyed, name_company, sound_company }
    }

    fn reasons(&self) -> impl Iterator<Item = (String, DuplicateReason)> + '_ {
        let mut all: Vec<DuplicateReason> = self.contacts.clone();
        all.push(DuplicateReason::NameAndCompany);
        all.push(DuplicateReason::SimilarName);
        all.into_iter().filter_map(|r| r.key(self).map(|k| (k, r)))
    }
}

/// One record's duplicate keys, in the order they are tried (phone, email, name + company).
pub struct RecordKeys(Vec<(String, DuplicateReason)>);

/// The notebook's customers by key, to find the one an incoming record duplicates.
#[derive(Default)]
pub struct DuplicateIndex {
    by_key: HashMap<String, i64>,
    names: HashMap<i64, (String, Option<String>)>,
}

impl DuplicateIndex {
    pub fn new(customers: &[SurveyedCustomer]) -> DuplicateIndex {
        let mut index = DuplicateIndex::default();
        for c in customers {
            let contacts: Vec<_> = c.contacts.iter().map(|(k, v, _)| (*k, v.clone())).collect();
            index.add(c.id, &c.name, c.company.as_deref(), &contacts);
        }
        index
    }

    /// Adds a customer (the first one with a key keeps it).
    pub fn add(&mut self, id: i64, name: &str, company: Option<&str>, contacts: &[(ContactKind, String)]) {
        for (key, _) in Keys::of(name, company, contacts, false).reasons() {
            self.by_key.entry(key).or_insert(id);
        }
        self.names.entry(id).or_insert_with(|| (name.to_owned(), company.map(str::to_owned)));
    }

    /// The customer this one duplicates (by phone, then email, then name + company), and why.
    pub fn find(
        &self,
        name: &str,
        company: Option<&str>,
        contacts: &[(ContactKind, String)],
    ) -> Option<(i64, DuplicateReason)> {
        Keys::of(name, company, contacts, false)
            .reasons()
            .find_map(|(key, reason)| self.by_key.get(&key).map(|&id| (id, reason)))
    }

    /// A record's keys, computed once (and on any thread) for [`find_keys`](Self::find_keys) and
    /// [`add_keys`](Self::add_keys).
    pub fn keys(name: &str, company: Option<&str>, contacts: &[(ContactKind, String)]) -> RecordKeys {
        RecordKeys(Keys::of(name, company, contacts, false).reasons().collect())
    }

    pub fn find_keys(&self, keys: &RecordKeys) -> Option<(i64, DuplicateReason)> {
        keys.0.iter().find_map(|(key, reason)| self.by_key.get(key).map(|&id| (id, reason.clone())))
    }

    pub fn add_keys(&mut self, id: i64, keys: &RecordKeys) {
        for (key, _) in &keys.0 {
            if !self.by_key.contains_key(key) {
                self.by_key.insert(key.clone(), id);
            }
        }
    }

    /// The name and company of an indexed customer.
    pub fn name_of(&self, id: i64) -> Option<&(String, Option<String>)> {
        self.names.get(&id)
    }
}

/// Customers that are probably one person, with what ties each to the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DuplicateCluster {
    #[cfg_attr(feature = "ts", ts(type = "number[]"))]
    pub customer_ids: Vec<i64>,
    /// "name · company" of each, in the same order.
    pub labels: Vec<String>,
    pub reasons: Vec<DuplicateReason>,
}

/// Groups customers sharing any key (union–find), largest groups first.
pub fn find_clusters(customers: &[SurveyedCustomer]) -> Vec<DuplicateCluster> {
    let mut parent: Vec<usize> = (0..customers.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first: HashMap<String, usize> = HashMap::new();
    let mut links: Vec<(usize, DuplicateReason)> = Vec::new();
    for (i, c) in customers.iter().enumerate() {
        let contacts: Vec<_> = c.contacts.iter().map(|(k, v, _)| (*k, v.clone())).collect();
        let mut same_name = false;
        for (key, reason) in Keys::of(&c.name, c.company.as_deref(), &contacts, true).reasons() {
            match first.get(&key) {
                // The same name already ties this customer in: its sound says nothing more.
                Some(_) if same_name && reason == DuplicateReason::SimilarName => {}
                Some(&j) => {
                    same_name |= reason == DuplicateReason::NameAndCompany;
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    if a != b {
                        parent[a] = b;
                    }
                    links.push((i, reason));
                }
                None => {
                    first.insert(key, i);
                }
            }
        }
    }
    let mut groups: HashMap<usize, DuplicateCluster> = HashMap::new();
    for (i, customer) in customers.iter().enumerate() {
        let r = root(&mut parent, i);
        groups
            .entry(r)
            .or_insert_with(|| DuplicateCluster { customer_ids: Vec::new(), labels: Vec::new(), reasons: Vec::new() })
            .customer_ids
            .push(customer.id);
    }
    let label = |c: &SurveyedCustomer| match &c.company {
        Some(company) => format!("{} · {company}", c.name),
        None => c.name.clone(),
    };
    for (i, reason) in links {
        let r = root(&mut parent, i);
        if let Some(group) = groups.get_mut(&r)
            && !group.reasons.contains(&reason)
        {
            group.reasons.push(reason);
        }
    }
    let mut clusters: Vec<DuplicateCluster> = groups.into_values().filter(|g| g.customer_ids.len() > 1).collect();
    let by_id: HashMap<i64, &SurveyedCustomer> = customers.iter().map(|c| (c.id, c)).collect();
    for c in &mut clusters {
        c.customer_ids.sort_unstable();
        c.labels = c.customer_ids.iter().map(|id| label(by_id[id])).collect();
    }
    clusters.sort_by(|a, b| b.customer_ids.len().cmp(&a.customer_ids.len()).then(a.customer_ids.cmp(&b.customer_ids)));
    clusters
}
