//! Rows into customers: each row of a sheet or CSV (by its column mapping) and each vCard
//! checked value by value into a customer to add, every value that fails its rule listed by row
//! and column (and, unless the user rejects the file, kept with a flag).

use std::collections::{BTreeMap, BTreeSet};

use super::ImportProblem;
use crate::interop::grid::{Grid, GridRow};
use crate::interop::mapping::{Mapping, Target};
use crate::interop::values::{interpret, split_contacts, split_tags};
use crate::interop::vcard::Card;
use crate::quality::IssueCode;
use crate::rules::{PhoneCheck, check_credit_code, check_email, check_phone, is_credit_code_field, phone_key};
use crate::store::{BatchFile, BatchItem, ContactKind, Field, Lang, NewContact, NewCustomer};

/// One row on its way to becoming a customer.
pub(super) struct Incoming {
    pub(super) row: usize,
    pub(super) sheet: Option<String>,
    pub(super) item: BatchItem,
    pub(super) problems: Vec<ImportProblem>,
    pub(super) usable: bool,
}

impl Incoming {
    pub(super) fn contacts(&self) -> Vec<(ContactKind, String)> {
        self.item.customer.contacts.iter().map(|c| (c.kind, c.value.clone())).collect()
    }
}

/// How an import compares contact values: phones by their number, others as written.
pub(super) fn contact_key(kind: ContactKind, value: &str) -> String {
    match kind {
        ContactKind::Phone => phone_key(value),
        _ => value.trim().to_lowercase(),
    }
}

/// `f` over `items`, the work split across the machine's cores, results in order.
pub(super) fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    if threads == 1 || items.len() < 2_000 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let parts: Vec<_> =
            items.chunks(chunk).map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>())).collect();
        parts.into_iter().flat_map(|p| p.join().expect("a worker does not panic")).collect()
    })
}

pub(super) fn grid_rows(grid: &Grid, mapping: &Mapping, rows: &[GridRow], flag: &str) -> Vec<Incoming> {
    let mut per_kind: BTreeMap<&'static str, usize> = BTreeMap::new();
    for c in &mapping.columns {
        let kind = match c.target {
            Target::Phone => "phone",
            Target::Email => "email",
            Target::Address => "address",
            _ => continue,
        };
        *per_kind.entry(kind).or_default() += 1;
    }
    let labelled = |kind: &str| per_kind.get(kind).copied().unwrap_or(0) > 1;
    in_parallel(rows, |row| from_row(grid, mapping, row, flag, &labelled))
}

/// Collects a row's values into a customer, recording each value that fails its check.
pub(super) struct Builder {
    incoming: Incoming,
    flag: String,
}

impl Builder {
    pub(super) fn new(row: usize, sheet: Option<String>, label: String, flag: &str) -> Builder {
        Builder {
            incoming: Incoming {
                row,
                sheet,
                item: BatchItem { label, ..BatchItem::default() },
                problems: Vec::new(),
                usable: true,
            },
            flag: flag.to_owned(),
        }
    }

    pub(super) fn customer(&mut self) -> &mut NewCustomer {
        &mut self.incoming.item.customer
    }

    /// Records the problem and keeps the value in a custom field named after the column.
    pub(super) fn invalid(&mut self, column: &str, value: &str, code: IssueCode, reason: String) {
        self.incoming.problems.push(ImportProblem {
            row: self.incoming.row,
            sheet: self.incoming.sheet.clone(),
            column: column.to_owned(),
            value: value.to_owned(),
            code,
            reason,
        });
        let custom = &mut self.incoming.item.customer.custom;
        let key = (1..)
            .map(|n| if n == 1 { column.trim().to_owned() } else { format!("{} ({n})", column.trim()) })
            .find(|k| custom.get(k).is_none_or(|v| v == value))
            .expect("some key is free");
        custom.insert(key, value.to_owned());
    }

    pub(super) fn field(&mut self, column: &str, field: Field, value: &str) {
        if field == Field::Template {
            self.customer().custom.insert(column.trim().to_owned(), value.to_owned());
            return;
        }
        let Some(mut value) = interpret(field, value) else { return };
        if matches!(field, Field::Name | Field::Company) {
            value = crate::rules::tidy(&value); // full-width letters, stray spaces
        }
        let code = match field {
            Field::Birthday => IssueCode::Date,
            Field::Grade | Field::Stage | Field::Colour | Field::CompanySize => IssueCode::Choice,
            _ => IssueCode::TooLong,
        };
        match field.normalize(Some(&value)) {
            Ok(Some(normal)) => {
                if let Err(reason) = self.customer().set(field, normal) {
                    self.invalid(column, &value, code, reason);
                }
            }
            Ok(None) => {}
            Err(crate::store::StoreError::Invalid { reason, .. }) => self.invalid(column, &value, code, reason),
            Err(other) => self.invalid(column, &value, code, other.to_string()),
        }
    }

    pub(super) fn phone(&mut self, column: &str, value: &str, label: Option<&String>) {
        for number in split_contacts(value) {
            match check_phone(&number) {
                PhoneCheck::Valid(e164) => {
                    let typed_ok = number.chars().all(|c| c.is_ascii_digit() || " +-().（）－".contains(c));
                    let value = if typed_ok { number } else { e164 };
                    self.customer().contacts.push(NewContact {
                        kind: ContactKind::Phone,
                        value,
                        label: label.cloned(),
                    });
                }
                PhoneCheck::Invalid(reason) => self.invalid(column, &number, IssueCode::Phone, reason),
            }
        }
    }

    pub(super) fn email(&mut self, column: &str, value: &str, label: Option<&String>) {
        for address in split_contacts(value) {
            match check_email(&address) {
                Ok(_) => self.customer().contacts.push(NewContact {
                    kind: ContactKind::Email,
                    value: address.trim().to_owned(),
                    label: label.cloned(),
                }),
                Err(reason) => self.invalid(column, &address, IssueCode::Email, reason),
            }
        }
    }

    pub(super) fn tags(&mut self, column: &str, tags: Vec<String>) {
        for tag in tags {
            if tag.chars().count() > 64 {
                self.invalid(column, &tag, IssueCode::TooLong, "a tag is at most 64 characters".into());
            } else {
                self.customer().tags.push(tag);
            }
        }
    }

    pub(super) fn contact(&mut self, kind: ContactKind, value: &str, label: Option<String>) {
        if value.chars().count() > 500 {
            let column = kind.label(Lang::En).to_owned();
            return self.invalid(&column, value, IssueCode::TooLong, "longer than 500 characters".into());
        }
        self.customer().contacts.push(NewContact { kind, value: value.trim().to_owned(), label });
    }

    pub(super) fn custom(&mut self, key: &str, value: &str) {
        if is_credit_code_field(key)
            && let Err(reason) = check_credit_code(value)
        {
            self.invalid(key, value, IssueCode::CreditCode, reason);
            return;
        }
        self.customer().custom.insert(key.trim().to_owned(), value.to_owned());
    }

    /// Settles the name (given + family names, else the company) and the flag tag.
    pub(super) fn finish(mut self, given: &str, family: &str) -> Incoming {
        let customer = &mut self.incoming.item.customer;
        if customer.name.trim().is_empty() {
            let cjk = |s: &str| s.chars().any(crate::rules::is_cjk);
            customer.name = if cjk(family) || cjk(given) {
                format!("{family}{given}")
            } else {
                format!("{given} {family}").trim().to_owned()
            };
        }
        if customer.name.trim().is_empty() {
            match customer.company.clone() {
                Some(company) => customer.name = company,
                None => {
                    self.incoming.usable = false;
                    self.incoming.problems.push(ImportProblem {
                        row: self.incoming.row,
                        sheet: self.incoming.sheet.clone(),
                        column: String::new(),
                        value: String::new(),
                        code: IssueCode::NoName,
                        reason: "no name and no company: the row cannot become a customer".into(),
                    });
                }
            }
        }
        let customer = &mut self.incoming.item.customer;
        let mut seen = BTreeSet::new();
        customer.contacts.retain(|c| seen.insert((c.kind, contact_key(c.kind, &c.value))));
        let mut seen = BTreeSet::new();
        customer.tags.retain(|t| seen.insert(t.clone()));
        if self.incoming.usable && !self.incoming.problems.is_empty() && !customer.tags.contains(&self.flag) {
            customer.tags.push(self.flag.clone());
        }
        self.incoming
    }
}

pub(super) fn from_row(
    grid: &Grid,
    mapping: &Mapping,
    row: &GridRow,
    flag: &str,
    labelled: &dyn Fn(&str) -> bool,
) -> Incoming {
    let label = match &grid.sheet {
        Some(sheet) => format!("sheet '{sheet}' row {}", row.line),
        None => format!("row {}", row.line),
    };
    let mut b = Builder::new(row.line, grid.sheet.clone(), label, flag);
    let (mut given, mut family, mut address) = (String::new(), String::new(), Vec::new());
    for (column, value) in mapping.columns.iter().zip(&row.cells) {
        let value = crate::rules::cells::unquote(value.trim());
        if value.is_empty() {
            continue;
        }
        let header = column.header.as_str();
        let label_for = |kind: &str| labelled(kind).then(|| header.trim().to_owned());
        match &column.target {
            Target::Field(field) => b.field(header, *field, value),
            Target::GivenName => given = value.to_owned(),
            Target::FamilyName => family = value.to_owned(),
            Target::Phone => b.phone(header, value, label_for("phone").as_ref()),
            Target::Email => b.email(header, value, label_for("email").as_ref()),
            Target::Wechat => b.contact(ContactKind::Wechat, value, None),
            Target::Address => b.contact(ContactKind::Address, value, label_for("address")),
            Target::AddressPart => address.push(value.to_owned()),
            Target::Tags => b.tags(header, split_tags(value)),
            Target::Note => b.incoming.item.notes.push(value.to_owned()),
            Target::Custom(key) => b.custom(key, value),
            Target::Ignore => {}
        }
    }
    if !address.is_empty() {
        b.contact(ContactKind::Address, &address.join(" "), None);
    }
    b.finish(&given, &family)
}

pub(super) fn from_card(card: Card, flag: &str) -> Incoming {
    let label = format!("card {} (line {})", card.index, card.line);
    let mut b = Builder::new(card.line, None, label, flag);
    b.customer().name = crate::rules::tidy(&card.name);
    if let Some(company) = &card.company {
        b.field("ORG", Field::Company, company);
    }
    if let Some(title) = &card.title {
        b.field("TITLE", Field::Title, title);
    }
    for (phone, kind) in &card.phones {
        b.phone("TEL", phone, kind.as_ref());
    }
    for (email, kind) in &card.emails {
        b.email("EMAIL", email, kind.as_ref());
    }
    for (address, kind) in &card.addresses {
        b.contact(ContactKind::Address, address, kind.clone());
    }
    if let Some(birthday) = &card.birthday {
        b.field("BDAY", Field::Birthday, birthday);
    }
    if let Some(url) = &card.url {
        b.custom("URL", url);
    }
    b.tags("CATEGORIES", card.categories.clone());
    if let Some(note) = card.note {
        b.incoming.item.notes.push(note);
    }
    if let Some((mime, data)) = card.photo {
        let ext = mime.strip_prefix("image/").unwrap_or("jpg").replace("jpeg", "jpg");
        b.incoming.item.attachments.push(BatchFile { name: format!("photo.{ext}"), mime, data });
    }
    // The lines of the card that could not be read are said on its row, by line.
    for skipped in card.skipped {
        b.incoming.problems.push(ImportProblem {
            row: card.line,
            sheet: None,
            column: format!("line {}", skipped.line),
            value: String::new(),
            code: IssueCode::Unreadable,
            reason: skipped.reason,
        });
    }
    b.finish("", "")
}
