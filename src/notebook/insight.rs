//! The front door to what the notebook tells: the day's agenda, the dashboard's figures and
//! the data-quality report.

use super::Notebook;
use crate::Result;
use crate::agenda::Agenda;
use crate::clock::Today;
use crate::quality::QualityReport;
use crate::report::Report;
use crate::store::Lang;

impl Notebook {
    /// What to do from `today` on: overdue, today's and the next `days` days' tasks, occasions,
    /// the review queue and unresolved complaints.
    pub fn agenda(&self, today: &Today, days: u32) -> Result<Agenda> {
        Ok(self.store.agenda(today, days)?)
    }

    /// The dashboard's figures as of `today`, labelled in `lang`.
    pub fn report(&self, today: &Today, lang: Lang) -> Result<Report> {
        Ok(self.store.report(today, lang)?)
    }

    /// Checks every customer's values, completeness and likely duplicates; records scoring below
    /// `threshold` are listed as incomplete.
    pub fn quality_report(&self, threshold: u8) -> Result<QualityReport> {
        crate::quality::quality_report(&self.store, threshold)
    }
}
