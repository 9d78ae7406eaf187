//! Which value of which record a change is to — the path that history rows, field diffs and
//! data-quality findings name, and that sync will ship — as a type. History stores it as two
//! text columns (`record_kind`, `field`: `customer`/`custom.合同号`, `contact`/`contact.phone`,
//! `task`/`done`…); [`FieldPath::from_stored`] and [`FieldPath::stored`] are the only places
//! that spell those strings.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::ContactKind;

/// A field of one record kind: its stable key, the column it is kept in.
macro_rules! record_fields {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $key:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The column name, also the field's name in history and JSON.
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key),+
                }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $name::ALL.iter().copied().find(|f| f.key() == s).ok_or_else(|| format!("unknown field '{s}'"))
            }
        }
    };
}

record_fields! {
    /// A customer's profile fields, in the order they are shown.
    Field {
        Name => "name",
        Company => "company",
        Title => "title",
        Industry => "industry",
        CompanySize => "company_size",
        Region => "region",
        Source => "source",
        Grade => "grade",
        Stage => "stage",
        Colour => "colour",
        Birthday => "birthday",
        Template => "template",
    }
}

record_fields! {
    /// A note's fields.
    NoteField { Body => "body", Template => "template", At => "at", Customer => "customer_id" }
}

record_fields! {
    /// An interaction's fields.
    InteractionField {
        Kind => "kind",
        At => "at",
        Summary => "summary",
        Outcome => "outcome",
        Customer => "customer_id",
    }
}

record_fields! {
    /// A task's fields: `done` holds when it was done, `snoozed_until` the end of a snooze.
    TaskField {
        Title => "title",
        Due => "due",
        Done => "done",
        SnoozedUntil => "snoozed_until",
        Customer => "customer_id",
    }
}

record_fields! {
    /// A complaint's fields.
    ComplaintField { Title => "title", Detail => "detail", Status => "status", Resolution => "resolution" }
}

record_fields! {
    /// A credential's fields; a password's values stay sealed in the history.
    CredentialField { Label => "label", Username => "username", Url => "url", Password => "password" }
}

record_fields! {
    /// An attachment's fields: `data` is its content's SHA-256, the bytes being kept apart.
    AttachmentField { Name => "name", Data => "data" }
}

/// Which value of which record a change is to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldPath {
    /// A customer's profile field.
    Customer {
        field: Field,
    },
    /// A customer's custom field, by its name.
    Custom {
        key: String,
    },
    /// A customer's tags: an old value is a tag removed, a new one a tag added.
    Tag,
    /// A customer's contact methods of one kind: an old value is one removed, a new one added.
    Contact {
        contact: ContactKind,
    },
    /// Another customer merged into this one (the value names them).
    MergedFrom,
    Note {
        field: NoteField,
    },
    Interaction {
        field: InteractionField,
    },
    Task {
        field: TaskField,
    },
    Complaint {
        field: ComplaintField,
    },
    Credential {
        field: CredentialField,
    },
    Attachment {
        field: AttachmentField,
    },
    /// A stored path this version does not know (written by a newer kehu): shown, never restored.
    Unknown {
        record_kind: String,
        field: String,
    },
}

impl FieldPath {
    /// The kind of record the value belongs to, as history stores it.
    pub fn record_kind(&self) -> &str {
        match self {
            FieldPath::Customer { .. } | FieldPath::Custom { .. } | FieldPath::Tag | FieldPath::MergedFrom => {
                "customer"
            }
            FieldPath::Contact { .. } => "contact",
            FieldPath::Note { .. } => "note",
            FieldPath::Interaction { .. } => "interaction",
            FieldPath::Task { .. } => "task",
            FieldPath::Complaint { .. } => "complaint",
            FieldPath::Credential { .. } => "secret",
            FieldPath::Attachment { .. } => "attachment",
            FieldPath::Unknown { record_kind, .. } => record_kind,
        }
    }

    /// Whether a recorded change to this path can be undone by the customer edit path (a
    /// profile or custom field, a tag, a contact method).
    pub fn undoable(&self) -> bool {
        matches!(
            self,
            FieldPath::Customer { .. } | FieldPath::Custom { .. } | FieldPath::Tag | FieldPath::Contact { .. }
        )
    }

    /// The `field` column history stores the path in.
    pub fn stored_field(&self) -> Cow<'_, str> {
        match self {
            FieldPath::Customer { field } => field.key().into(),
            FieldPath::Custom { key } => format!("{CUSTOM}{key}").into(),
            FieldPath::Tag => TAG.into(),
            FieldPath::Contact { contact } => format!("{CONTACT}{}", contact.key()).into(),
            FieldPath::MergedFrom => MERGED_FROM.into(),
            FieldPath::Note { field } => field.key().into(),
            FieldPath::Interaction { field } => field.key().into(),
            FieldPath::Task { field } => field.key().into(),
            FieldPath::Complaint { field } => field.key().into(),
            FieldPath::Credential { field } => field.key().into(),
            FieldPath::Attachment { field } => field.key().into(),
            FieldPath::Unknown { field, .. } => field.as_str().into(),
        }
    }

    /// Reads the two stored columns back; what this version does not know is
    /// [`FieldPath::Unknown`], never an error, so an old or newer notebook's history always reads.
    pub fn from_stored(record_kind: &str, field: &str) -> FieldPath {
        let known = match record_kind {
            "customer" => match field {
                TAG => Some(FieldPath::Tag),
                MERGED_FROM => Some(FieldPath::MergedFrom),
                _ => match field.strip_prefix(CUSTOM) {
                    Some(key) => Some(FieldPath::Custom { key: key.to_owned() }),
                    None => field.parse().ok().map(|field| FieldPath::Customer { field }),
                },
            },
            "contact" => {
                field.strip_prefix(CONTACT).and_then(|k| k.parse().ok()).map(|contact| FieldPath::Contact { contact })
            }
            "note" => field.parse().ok().map(|field| FieldPath::Note { field }),
            "interaction" => field.parse().ok().map(|field| FieldPath::Interaction { field }),
            "task" => field.parse().ok().map(|field| FieldPath::Task { field }),
            "complaint" => field.parse().ok().map(|field| FieldPath::Complaint { field }),
            "secret" => field.parse().ok().map(|field| FieldPath::Credential { field }),
            "attachment" => field.parse().ok().map(|field| FieldPath::Attachment { field }),
            _ => None,
        };
        known.unwrap_or_else(|| FieldPath::Unknown { record_kind: record_kind.to_owned(), field: field.to_owned() })
    }
}

const CUSTOM: &str = "custom.";
const CONTACT: &str = "contact.";
const TAG: &str = "tag";
const MERGED_FROM: &str = "merged_from";

/// The path as people and logs read it: `company`, `custom.合同号`, `contact.phone`, `task.done`.
impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldPath::Customer { .. }
            | FieldPath::Custom { .. }
            | FieldPath::Tag
            | FieldPath::MergedFrom
            | FieldPath::Contact { .. } => f.write_str(&self.stored_field()),
            _ => write!(f, "{}.{}", self.record_kind(), self.stored_field()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every path this version writes.
    pub(crate) fn every_path() -> impl Strategy<Value = FieldPath> {
        prop_oneof![
            prop::sample::select(Field::ALL).prop_map(|field| FieldPath::Customer { field }),
            "[a-z合同号.]{1,8}".prop_map(|key| FieldPath::Custom { key }),
            Just(FieldPath::Tag),
            Just(FieldPath::MergedFrom),
            prop::sample::select(ContactKind::ALL).prop_map(|contact| FieldPath::Contact { contact }),
            prop::sample::select(NoteField::ALL).prop_map(|field| FieldPath::Note { field }),
            prop::sample::select(InteractionField::ALL).prop_map(|field| FieldPath::Interaction { field }),
            prop::sample::select(TaskField::ALL).prop_map(|field| FieldPath::Task { field }),
            prop::sample::select(ComplaintField::ALL).prop_map(|field| FieldPath::Complaint { field }),
            prop::sample::select(CredentialField::ALL).prop_map(|field| FieldPath::Credential { field }),
            prop::sample::select(AttachmentField::ALL).prop_map(|field| FieldPath::Attachment { field }),
        ]
    }

    proptest! {
        #[test]
        fn every_path_reads_back_from_its_stored_form(path in every_path()) {
            prop_assert_eq!(FieldPath::from_stored(path.record_kind(), &path.stored_field()), path);
        }
    }

    #[test]
    fn the_strings_earlier_versions_stored_read_as_their_paths() {
        let read = FieldPath::from_stored;
        assert_eq!(read("customer", "company"), FieldPath::Customer { field: Field::Company });
        assert_eq!(read("customer", "custom.合同号"), FieldPath::Custom { key: "合同号".into() });
        assert_eq!(read("customer", "tag"), FieldPath::Tag);
        assert_eq!(read("customer", "merged_from"), FieldPath::MergedFrom);
        assert_eq!(read("contact", "contact.phone"), FieldPath::Contact { contact: ContactKind::Phone });
        assert_eq!(read("task", "done"), FieldPath::Task { field: TaskField::Done });
        assert_eq!(read("task", "snoozed_until"), FieldPath::Task { field: TaskField::SnoozedUntil });
        assert_eq!(read("complaint", "status"), FieldPath::Complaint { field: ComplaintField::Status });
        let unknown = read("deal", "amount");
        assert_eq!(unknown, FieldPath::Unknown { record_kind: "deal".into(), field: "amount".into() });
        assert_eq!((unknown.record_kind(), unknown.stored_field().as_ref()), ("deal", "amount"));
        assert!(matches!(read("contact", "contact.pager"), FieldPath::Unknown { .. }));
        assert_eq!(FieldPath::Custom { key: "合同号".into() }.to_string(), "custom.合同号");
        assert_eq!(FieldPath::Task { field: TaskField::Done }.to_string(), "task.done");
    }

    #[test]
    fn paths_cross_ipc_as_tagged_objects() {
        let json = |p: &FieldPath| serde_json::to_string(p).unwrap();
        assert_eq!(json(&FieldPath::Custom { key: "合同号".into() }), r#"{"kind":"custom","key":"合同号"}"#);
        assert_eq!(
            json(&FieldPath::Contact { contact: ContactKind::Email }),
            r#"{"kind":"contact","contact":"email"}"#
        );
        assert_eq!(json(&FieldPath::Tag), r#"{"kind":"tag"}"#);
        let back: FieldPath = serde_json::from_str(r#"{"kind":"customer","field":"grade"}"#).unwrap();
        assert_eq!(back, FieldPath::Customer { field: Field::Grade });
    }
}
