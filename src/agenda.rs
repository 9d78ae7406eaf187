//! The agenda: what to do today. Follow-ups overdue, due today and coming up; birthdays and
//! anniversaries in the next days; customers gone too long without contact for their grade (the
//! review queue); complaints not yet resolved. Every day boundary is the user's, from
//! [`Today`]'s zone, so the same data gives the same agenda wherever the clock is fixed.

pub mod occasions;

use chrono::{Days, NaiveDate};

use serde::Serialize;

pub use occasions::{Occasion, OccasionKind};

use crate::clock::Today;
use crate::rules::ValueProblem;
use crate::store::{Complaint, Result, ReviewItem, ReviewPolicy, Store, StoreError, Task};

/// How many customers of the review queue an agenda lists (the total is always counted).
pub const REVIEW_LIST_LIMIT: usize = 50;
/// How many tasks or occasions each list holds at most (`totals` counts them all): a page of
/// thousands of rows helps no one, and after a large import there can be that many.
pub const LIST_LIMIT: usize = 200;

/// How many there are in each list, listed or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AgendaTotals {
    pub overdue: u32,
    pub due_today: u32,
    pub upcoming: u32,
    pub snoozed: u32,
    pub occasions: u32,
    pub complaints: u32,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Agenda {
    /// Today's date in the user's zone.
    pub today: NaiveDate,
    pub zone: String,
    /// How many days ahead it looks.
    pub days: u32,
    /// Open tasks whose time has passed, or whose whole day is over.
    pub overdue: Vec<Task>,
    pub due_today: Vec<Task>,
    /// Due after today, within `days`.
    pub upcoming: Vec<Task>,
    /// Snoozed past now, whenever they were due.
    pub snoozed: Vec<Task>,
    pub occasions: Vec<Occasion>,
    pub review: Vec<ReviewItem>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub review_total: u64,
    pub review_policy: ReviewPolicy,
    /// Open or being handled.
    pub complaints: Vec<Complaint>,
    pub totals: AgendaTotals,
}

impl Agenda {
    /// Whether there is nothing to show at all.
    pub fn is_empty(&self) -> bool {
        self.overdue.is_empty()
            && self.due_today.is_empty()
            && self.upcoming.is_empty()
            && self.occasions.is_empty()
            && self.review.is_empty()
            && self.complaints.is_empty()
    }
}

/// The most days ahead an agenda looks.
pub const MAX_DAYS: u32 = 366;

impl Store {
    /// The agenda as of `today`, looking `days` days ahead.
    pub(crate) fn agenda(&self, today: &Today, days: u32) -> Result<Agenda> {
        if days > MAX_DAYS {
            return Err(StoreError::bad_value("days", ValueProblem::OutOfRange { min: 0, max: MAX_DAYS }));
        }
        let date = today.date();
        let end_day = date + Days::new(u64::from(days) + 1);
        let end_of_today = today.end_of_today();
        let (mut overdue, mut due_today, mut upcoming) = (Vec::new(), Vec::new(), Vec::new());
        for task in self.open_tasks_due_before(today, today.start_of(end_day), end_day)? {
            let Some(due) = task.due else { continue };
            let list = if task.is_overdue(today) {
                &mut overdue
            } else if (task.all_day && due.date_naive() == date) || (!task.all_day && due < end_of_today) {
                &mut due_today
            } else {
                &mut upcoming
            };
            list.push(task);
        }
        let policy = self.review_policy()?;
        let (review, review_total) = self.review_queue(&policy, today.now, REVIEW_LIST_LIMIT)?;
        let mut snoozed = self.snoozed_tasks(today.now)?;
        let mut complaints = self.unresolved_complaints()?;
        let mut occasions = Vec::new();
        self.scan_occasion_fields(|id, birthday, custom| {
            occasions.extend(occasions::of_customer(id, birthday, custom, date, days));
        })?;
        let ids: Vec<i64> = occasions.iter().map(|o| o.customer_id).collect();
        let names = self.customer_names(&ids)?;
        for occasion in &mut occasions {
            if let Some((name, company)) = names.get(&occasion.customer_id) {
                occasion.name.clone_from(name);
                occasion.company.clone_from(company);
            }
        }
        occasions::sort(&mut occasions);
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let totals = AgendaTotals {
            overdue: count(overdue.len()),
            due_today: count(due_today.len()),
            upcoming: count(upcoming.len()),
            snoozed: count(snoozed.len()),
            occasions: count(occasions.len()),
            complaints: count(complaints.len()),
        };
        for list in [&mut overdue, &mut due_today, &mut upcoming, &mut snoozed] {
            list.truncate(LIST_LIMIT);
        }
        occasions.truncate(LIST_LIMIT);
        complaints.truncate(LIST_LIMIT);
        Ok(Agenda {
            today: date,
            zone: today.zone.name().to_owned(),
            days,
            overdue,
            due_today,
            upcoming,
            snoozed,
            occasions,
            review,
            review_total,
            review_policy: policy,
            complaints,
            totals,
        })
    }
}
