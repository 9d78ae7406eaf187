//! The front door to a customer's records: notes, interactions, tasks, complaints, credentials
//! and attachments. Each is added, read and changed here; the store checks every value.

use super::Notebook;
use crate::Result;
use crate::clock::Today;
use crate::store::{
    Attachment, Complaint, ComplaintStatus, Interaction, NewInteraction, NewNote, NewSecret, NewTask, Note, Secret,
    SecretSummary, Task, TaskFilter,
};
use chrono::{DateTime, Utc};

/// Notes.
impl Notebook {
    /// Adds a note (its "next follow-up" line, if any, becomes a task); returns its id.
    pub fn add_note(&mut self, new: &NewNote) -> Result<i64> {
        Ok(self.store.add_note(new)?)
    }

    /// Adds many notes in one transaction (all or none), returning their ids in order.
    pub fn add_notes(&mut self, notes: &[NewNote]) -> Result<Vec<i64>> {
        Ok(self.store.add_notes(notes)?)
    }

    /// A customer's notes, newest first.
    pub fn notes(&self, customer_id: i64) -> Result<Vec<Note>> {
        Ok(self.store.notes(customer_id)?)
    }
}

/// Interactions (calls, visits, messages…).
impl Notebook {
    /// Logs an interaction; one that settles an open task marks it done in the same transaction.
    pub fn add_interaction(&mut self, new: &NewInteraction) -> Result<i64> {
        Ok(self.store.add_interaction(new)?)
    }

    /// Adds many interactions in one transaction (all or none), returning their ids in order.
    pub fn add_interactions(&mut self, all: &[NewInteraction]) -> Result<Vec<i64>> {
        Ok(self.store.add_interactions(all)?)
    }

    /// A customer's interactions, newest first.
    pub fn interactions(&self, customer_id: i64) -> Result<Vec<Interaction>> {
        Ok(self.store.interactions(customer_id)?)
    }
}

/// Tasks and their reminders.
impl Notebook {
    pub fn add_task(&mut self, new: &NewTask) -> Result<i64> {
        Ok(self.store.add_task(new)?)
    }

    pub fn task(&self, id: i64) -> Result<Task> {
        Ok(self.store.task(id)?)
    }

    /// Open tasks first by due time (undated last), then done ones if asked.
    pub fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>> {
        Ok(self.store.tasks(filter)?)
    }

    /// Marks a task done now; doing it twice is refused.
    pub fn complete_task(&mut self, id: i64) -> Result<()> {
        Ok(self.store.complete_task(id)?)
    }

    /// Puts an open task out of the agenda until `until` (in the future), when it is reminded again.
    pub fn snooze_task(&mut self, id: i64, until: DateTime<Utc>) -> Result<()> {
        Ok(self.store.snooze_task(id, until)?)
    }

    /// Open tasks whose due (or snooze end) has come by `today` and that were not reminded of
    /// it yet: what the desktop app notifies about.
    pub fn due_reminders(&self, today: &Today) -> Result<Vec<Task>> {
        Ok(self.store.due_reminders(today)?)
    }

    /// Records that these tasks were reminded at `at` (not a change of the task: no history).
    pub fn mark_reminded(&mut self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        Ok(self.store.mark_reminded(ids, at)?)
    }
}

/// Complaints.
impl Notebook {
    pub fn add_complaint(&mut self, customer_id: i64, title: &str, detail: Option<&str>) -> Result<i64> {
        Ok(self.store.add_complaint(customer_id, title, detail)?)
    }

    /// Moves a complaint to `status`; resolving stamps when, reopening clears it.
    pub fn set_complaint_status(&mut self, id: i64, status: ComplaintStatus) -> Result<()> {
        Ok(self.store.set_complaint_status(id, status)?)
    }

    /// Complaints of one customer, or of everyone; unresolved ones first.
    pub fn complaints(&self, customer_id: Option<i64>) -> Result<Vec<Complaint>> {
        Ok(self.store.complaints(customer_id)?)
    }
}

/// Credentials (customer-portal logins): passwords sealed with their own key.
impl Notebook {
    /// Adds a credential, its password sealed with its own key.
    pub fn add_secret(&mut self, new: &NewSecret<'_>) -> Result<i64> {
        Ok(self.store.add_secret(new)?)
    }

    /// A customer's credentials, without passwords.
    pub fn secrets(&self, customer_id: i64) -> Result<Vec<SecretSummary>> {
        Ok(self.store.secrets(customer_id)?)
    }

    /// Opens one credential's password and records the reveal in the access log.
    pub fn reveal_secret(&mut self, id: i64) -> Result<Secret> {
        Ok(self.store.reveal_secret(id)?)
    }
}

/// Attachments.
impl Notebook {
    pub fn add_attachment(&mut self, customer_id: i64, name: &str, mime: &str, data: &[u8]) -> Result<i64> {
        Ok(self.store.add_attachment(customer_id, name, mime, data)?)
    }

    /// A customer's attachments, without their bytes.
    pub fn attachments(&self, customer_id: i64) -> Result<Vec<Attachment>> {
        Ok(self.store.attachments(customer_id)?)
    }

    /// An attachment's bytes, checked against the hash taken when it was added; taking a file
    /// out of the notebook is logged.
    pub fn attachment_data(&mut self, id: i64) -> Result<(Attachment, Vec<u8>)> {
        Ok(self.store.attachment_data(id)?)
    }
}
