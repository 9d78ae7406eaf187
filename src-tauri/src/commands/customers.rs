//! Commands over customers: the list window, facets, saved views, one customer's file, edits and
//! their history, and templates.

use kehu::store::{
    Change, CustomerFacets, CustomerFilter, CustomerProfile, CustomerSummary, HistoryEntry, Lang, NewCustomer,
    SavedView, Template, TemplateField, TemplateKind,
};
use serde::Serialize;
use tauri::State;

use crate::error::IpcResult;
use crate::session::Session;

/// One window of the customer list and how many rows the whole list has.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CustomerPage {
    pub total: usize,
    pub offset: usize,
    pub rows: Vec<CustomerSummary>,
}

#[tauri::command(async)]
pub fn list_customers(session: State<'_, Session>, filter: CustomerFilter) -> IpcResult<CustomerPage> {
    session.with(|nb| {
        Ok(CustomerPage {
            total: nb.count_customers(&filter)?,
            offset: filter.offset,
            rows: nb.list_customers(&filter)?,
        })
    })
}

#[tauri::command(async)]
pub fn customer_facets(session: State<'_, Session>) -> IpcResult<CustomerFacets> {
    session.with(|nb| nb.customer_facets())
}

#[tauri::command(async)]
pub fn customer_profile(session: State<'_, Session>, id: i64) -> IpcResult<CustomerProfile> {
    session.with(|nb| nb.customer_profile(id))
}

#[tauri::command(async)]
pub fn add_customer(session: State<'_, Session>, customer: NewCustomer) -> IpcResult<i64> {
    session.with(|nb| nb.add_customer(&customer))
}

#[tauri::command(async)]
pub fn edit_customer(session: State<'_, Session>, id: i64, changes: Vec<Change>) -> IpcResult<usize> {
    session.with(|nb| nb.edit_customer(id, &changes))
}

#[tauri::command(async)]
pub fn saved_views(session: State<'_, Session>) -> IpcResult<Vec<SavedView>> {
    session.with(|nb| nb.saved_views())
}

#[tauri::command(async)]
pub fn save_view(session: State<'_, Session>, name: String, filter: CustomerFilter) -> IpcResult<i64> {
    session.with(|nb| nb.save_view(&name, &filter))
}

#[tauri::command(async)]
pub fn delete_view(session: State<'_, Session>, id: i64) -> IpcResult<()> {
    session.with(|nb| nb.delete_view(id))
}

#[tauri::command(async)]
pub fn history(session: State<'_, Session>, customer_id: i64) -> IpcResult<Vec<HistoryEntry>> {
    session.with(|nb| nb.history(customer_id))
}

#[tauri::command(async)]
pub fn restore_history(session: State<'_, Session>, entry_id: i64) -> IpcResult<()> {
    session.with(|nb| nb.restore_history(entry_id))
}

#[tauri::command(async)]
pub fn templates(session: State<'_, Session>, kind: Option<TemplateKind>, lang: Lang) -> IpcResult<Vec<Template>> {
    session.with(|nb| nb.templates(kind, lang))
}

#[tauri::command(async)]
#[allow(clippy::too_many_arguments)] // one IPC argument per template part
pub fn save_template(
    session: State<'_, Session>,
    kind: TemplateKind,
    name: String,
    language: Lang,
    description: String,
    fields: Vec<TemplateField>,
    body: String,
) -> IpcResult<i64> {
    session.with(|nb| {
        nb.save_template(&kehu::store::NewTemplate {
            kind,
            name: &name,
            language,
            description: &description,
            fields: &fields,
            body: &body,
        })
    })
}

#[tauri::command(async)]
pub fn delete_template(session: State<'_, Session>, kind: TemplateKind, name: String) -> IpcResult<()> {
    session.with(|nb| nb.delete_template(kind, &name))
}
