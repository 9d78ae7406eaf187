//! A customer's whole file in one read: profile, notes, interactions, tasks, complaints,
//! credentials (without passwords) and attachments (without bytes).

use serde::Serialize;

use super::{Attachment, Complaint, Customer, Interaction, Note, Result, SecretSummary, Store, Task, TaskFilter};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CustomerProfile {
    pub customer: Customer,
    pub notes: Vec<Note>,
    pub interactions: Vec<Interaction>,
    pub tasks: Vec<Task>,
    pub complaints: Vec<Complaint>,
    pub secrets: Vec<SecretSummary>,
    pub attachments: Vec<Attachment>,
}

impl Store {
    pub fn customer_profile(&self, id: i64) -> Result<CustomerProfile> {
        Ok(CustomerProfile {
            customer: self.customer(id)?,
            notes: self.notes(id)?,
            interactions: self.interactions(id)?,
            tasks: self.tasks(&TaskFilter { customer_id: Some(id), include_done: true })?,
            complaints: self.complaints(Some(id))?,
            secrets: self.secrets(id)?,
            attachments: self.attachments(id)?,
        })
    }
}
