//! The front door to what the notebook keeps about itself: note and customer templates, the
//! review policy, saved import mappings, the draft a lock kept, the backup password and the
//! access log.

use super::Notebook;
use crate::Result;
use crate::store::{AccessLogEntry, Draft, Lang, NewTemplate, ReviewPolicy, Template, TemplateKind};

/// Templates.
impl Notebook {
    /// The templates of one kind (or all), in `lang`'s order: that language's first.
    pub fn templates(&self, kind: Option<TemplateKind>, lang: Lang) -> Result<Vec<Template>> {
        Ok(self.store.templates(kind, lang)?)
    }

    pub fn template(&self, kind: TemplateKind, name: &str) -> Result<Template> {
        Ok(self.store.template(kind, name)?)
    }

    /// Saves a template under its kind and name, replacing one of that name.
    pub fn save_template(&mut self, new: &NewTemplate<'_>) -> Result<i64> {
        Ok(self.store.save_template(new)?)
    }

    pub fn delete_template(&mut self, kind: TemplateKind, name: &str) -> Result<()> {
        Ok(self.store.delete_template(kind, name)?)
    }
}

/// Settings of the notebook's own.
impl Notebook {
    /// How often each grade's customers come up for review.
    pub fn review_policy(&self) -> Result<ReviewPolicy> {
        Ok(self.store.review_policy()?)
    }

    pub fn set_review_policy(&mut self, policy: &ReviewPolicy) -> Result<()> {
        Ok(self.store.set_review_policy(policy)?)
    }

    /// Saves (or with `None` forgets) a named import column mapping, as JSON.
    pub fn set_import_mapping(&mut self, name: &str, mapping: Option<&str>) -> Result<()> {
        Ok(self.store.set_import_mapping(name, mapping)?)
    }

    /// A saved import mapping's JSON.
    pub fn import_mapping(&self, name: &str) -> Result<Option<String>> {
        Ok(self.store.import_mapping(name)?)
    }

    /// The names of the saved import mappings, sorted.
    pub fn import_mapping_names(&self) -> Result<Vec<String>> {
        Ok(self.store.import_mapping_names()?)
    }

    /// Keeps what the screen was editing when the session locked (sealed like every row).
    pub fn save_draft(&mut self, payload: &str) -> Result<()> {
        Ok(self.store.save_draft(payload)?)
    }

    /// The draft a lock kept, removed as it is returned.
    pub fn take_draft(&mut self) -> Result<Option<Draft>> {
        Ok(self.store.take_draft()?)
    }

    /// Keeps `password` (sealed) as the notebook's backup password, or forgets it (`None`):
    /// one too easy to guess is refused, as a backup written with it would be.
    pub fn set_backup_password(&mut self, password: Option<&str>) -> Result<()> {
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            crate::vault::require_backup_password(password)?;
        }
        Ok(self.store.set_backup_password(password)?)
    }

    /// Whether a backup password is kept (automatic backups need one).
    pub fn has_backup_password(&self) -> Result<bool> {
        Ok(self.store.backup_password()?.is_some())
    }
}

/// The access log: who opened, exported or revealed what, hash-chained.
impl Notebook {
    /// The newest `limit` entries, newest first.
    pub fn access_log(&self, limit: usize) -> Result<Vec<AccessLogEntry>> {
        Ok(self.store.access_log(limit)?)
    }

    /// The first entry whose hash does not follow from the one before, if any.
    pub fn verify_access_log(&self) -> Result<Option<i64>> {
        Ok(self.store.verify_access_log()?)
    }
}
