//! A customer's whole file in one read: profile, notes, interactions, tasks, complaints,
//! credentials (without passwords) and attachments (without bytes).

use serde::Serialize;

use crate::clock::Today;

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
    /// The open tasks overdue now, in the user's zone (the agenda's rule).
    #[cfg_attr(feature = "ts", ts(type = "number[]"))]
    pub overdue_task_ids: Vec<i64>,
}

impl Store {
    pub(crate) fn customer_profile(&self, id: i64) -> Result<CustomerProfile> {
        let tasks = self.tasks(&TaskFilter { customer_id: Some(id), include_done: true })?;
        let today = Today::local();
        let overdue_task_ids =
            tasks.iter().filter(|t| t.done_at.is_none() && t.is_overdue(&today)).map(|t| t.id).collect();
        Ok(CustomerProfile {
            customer: self.customer(id)?,
            notes: self.notes(id)?,
            interactions: self.interactions(id)?,
            tasks,
            overdue_task_ids,
            complaints: self.complaints(Some(id))?,
            secrets: self.secrets(id)?,
            attachments: self.attachments(id)?,
        })
    }
}
