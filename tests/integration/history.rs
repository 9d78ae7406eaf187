//! Property: whatever sequence of edits (valid or not) is applied, replaying the history over the
//! state the customer was created with gives its current fields, custom fields, tags and contact
//! methods.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use kehu::store::{Change, ContactKind, Customer, Field, FieldPath, HistoryEntry, NewContact, NewCustomer};
use proptest::prelude::*;

use crate::util::TempNotebook;

fn field() -> impl Strategy<Value = Field> {
    prop::sample::select(vec![
        Field::Name,
        Field::Company,
        Field::Title,
        Field::Region,
        Field::Grade,
        Field::Stage,
        Field::Colour,
        Field::Birthday,
        Field::CompanySize,
    ])
}

fn value() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop::sample::select(vec![
        "华为",
        "vip",
        "潜在",
        "active",
        "红",
        "blue",
        "1990-01-01",
        "03-08",
        "large",
        " ",
        "",
        "gold",
        "北京",
        "Acme",
    ]))
    .prop_map(|v| v.map(str::to_owned))
}

fn change() -> impl Strategy<Value = Change> {
    let key = prop::sample::select(vec!["预算", "决策人", "Budget"]).prop_map(str::to_owned);
    let tag = prop::sample::select(vec!["重点", "华东", "VIP", " "]).prop_map(str::to_owned);
    let phone = prop::sample::select(vec!["13800138000", "021-5555 1234", "bad phone"]).prop_map(str::to_owned);
    prop_oneof![
        (field(), value()).prop_map(|(f, v)| Change::Set(f, v)),
        (key, value()).prop_map(|(k, v)| Change::SetCustom(k, v)),
        tag.clone().prop_map(Change::AddTag),
        tag.prop_map(Change::RemoveTag),
        phone.clone().prop_map(|p| Change::AddContact(NewContact::new(ContactKind::Phone, p))),
        phone.prop_map(|p| Change::RemoveContactValue(ContactKind::Phone, p)),
    ]
}

#[derive(Debug, Default, PartialEq)]
struct Replayed {
    /// Profile and custom fields by their typed path.
    fields: HashMap<FieldPath, String>,
    tags: BTreeSet<String>,
    contacts: BTreeMap<i64, String>,
}

/// Replays the history over the created state, by each entry's typed path alone.
fn replay(created: &Customer, history: &[HistoryEntry]) -> Replayed {
    let mut state = current(created);
    for h in history {
        match &h.path {
            FieldPath::Tag => {
                if let Some(old) = &h.old {
                    state.tags.remove(old);
                }
                if let Some(new) = &h.new {
                    state.tags.insert(new.clone());
                }
            }
            FieldPath::Contact { .. } => {
                match &h.new {
                    Some(v) => state.contacts.insert(h.record_id, v.clone()),
                    None => state.contacts.remove(&h.record_id),
                };
            }
            path @ (FieldPath::Customer { .. } | FieldPath::Custom { .. }) => {
                match &h.new {
                    Some(v) => state.fields.insert(path.clone(), v.clone()),
                    None => state.fields.remove(path),
                };
            }
            other => panic!("a customer edit recorded {other:?}"),
        }
    }
    state
}

fn current(c: &Customer) -> Replayed {
    let mut fields: HashMap<FieldPath, String> =
        Field::ALL.iter().filter_map(|f| c.field(*f).map(|v| (FieldPath::Customer { field: *f }, v))).collect();
    fields.extend(c.custom.iter().map(|(k, v)| (FieldPath::Custom { key: k.clone() }, v.clone())));
    Replayed {
        fields,
        tags: c.tags.iter().cloned().collect(),
        contacts: c.contacts.iter().map(|m| (m.id, m.value.clone())).collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn history_replays_to_the_current_state(edits in prop::collection::vec(prop::collection::vec(change(), 1..4), 1..12)) {
        let t = TempNotebook::new();
        let mut nb = t.open();
        let new = NewCustomer {
            company: Some("华为".into()),
            tags: vec!["初始".into()],
            custom: [("预算".to_owned(), "50万".to_owned())].into(),
            contacts: vec![NewContact::new(ContactKind::Phone, "13800138000")],
            ..NewCustomer::named("测试客户")
        };
        let id = nb.add_customer(&new).unwrap();
        let created = nb.customer(id).unwrap();
        for batch in &edits {
            let before = nb.customer(id).unwrap();
            if nb.edit_customer(id, batch).is_err() {
                // A refused edit changes nothing at all.
                let after = nb.customer(id).unwrap();
                prop_assert_eq!(current(&after), current(&before));
            }
            let customer = nb.customer(id).unwrap();
            prop_assert_eq!(replay(&created, &nb.history(id).unwrap()), current(&customer));
        }
        // Restoring any value the history offers is a change like the others: recorded by its
        // typed path, so replaying still gives the present.
        let offered: Vec<i64> = nb.history(id).unwrap().iter().filter(|h| h.restorable).map(|h| h.id).collect();
        for entry in offered.iter().rev().take(3) {
            if nb.restore_history(*entry).is_ok() {
                let customer = nb.customer(id).unwrap();
                prop_assert_eq!(replay(&created, &nb.history(id).unwrap()), current(&customer));
            }
        }
    }
}
