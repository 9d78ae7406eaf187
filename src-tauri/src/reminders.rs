//! Reminders: while the app runs with the notebook open, a desktop notification (the
//! notification plugin: the desktop's notification service) when a task falls due or its
//! snooze ends, each once; the UI hears `reminder` and refreshes its Today screen. Which tasks
//! are due, and that each is reminded once, is the core's (`due_reminders`, `mark_reminded`).

use std::time::Duration;

use kehu::clock::Today;
use kehu::store::{Lang, Task};
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::events::HostEvent;
use crate::session::Session;
use crate::settings::os_language;

/// How often due tasks are looked for: a reminder comes at most this late.
const EVERY: Duration = Duration::from_secs(10);
/// More due at once than this are told in one notification.
const SEPARATE_AT_MOST: usize = 3;

pub fn spawn(app: AppHandle) {
    std::thread::Builder::new()
        .name("kehu-reminders".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EVERY);
                remind(&app);
            }
        })
        .expect("spawn reminders");
}

fn remind(app: &AppHandle) {
    let session = app.state::<Session>();
    let due = session.quietly(|nb| {
        let today = Today::local();
        let due = nb.due_reminders(&today)?;
        if !due.is_empty() {
            nb.mark_reminded(&due.iter().map(|t| t.id).collect::<Vec<_>>(), today.now)?;
        }
        Ok(due)
    });
    let due = match due {
        Some(Ok(due)) if !due.is_empty() => due,
        Some(Err(e)) => return tracing::warn!("looking for due tasks: {e}"),
        _ => return,
    };
    let lang = session.settings().language.unwrap_or_else(os_language);
    for (title, body) in notifications(&due, lang) {
        if let Err(e) = app.notification().builder().title(title).body(body).show() {
            tracing::warn!("showing a reminder: {e}");
        }
    }
    let _ = app.emit(&HostEvent::Reminder.name(), due.iter().map(|t| t.id).collect::<Vec<_>>());
}

/// The notifications for these due tasks: one each, or one for all when there are many.
fn notifications(due: &[Task], lang: Lang) -> Vec<(String, String)> {
    let zh = lang == Lang::ZhCn;
    if due.len() > SEPARATE_AT_MOST {
        let title = if zh {
            format!("客户本 · {} 项跟进到期", due.len())
        } else {
            format!("kehu · {} follow-ups due", due.len())
        };
        let names: Vec<&str> = due.iter().take(SEPARATE_AT_MOST).map(|t| t.title.as_str()).collect();
        let more = if zh { "…（详见“今天”）" } else { "… (see Today)" };
        return vec![(title, format!("{}{more}", names.join(if zh { "、" } else { ", " })))];
    }
    due.iter()
        .map(|task| {
            let title = if zh { "客户本 · 跟进到期" } else { "kehu · Follow-up due" };
            let body = match &task.customer_name {
                Some(name) => format!("{} — {name}", task.title),
                None => task.title.clone(),
            };
            (title.to_owned(), body)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(title: &str, customer: Option<&str>) -> Task {
        Task {
            id: 1,
            customer_id: None,
            customer_name: customer.map(str::to_owned),
            title: title.into(),
            due: None,
            all_day: false,
            snoozed_until: None,
            done_at: None,
            note_id: None,
            interaction_id: None,
            created_at: kehu::clock::now(),
        }
    }

    #[test]
    fn one_notification_each_or_one_for_many() {
        let few = notifications(&[task("寄样品", Some("张伟"))], Lang::ZhCn);
        assert_eq!(few, [("客户本 · 跟进到期".to_owned(), "寄样品 — 张伟".to_owned())]);
        let many: Vec<Task> = (0..5).map(|i| task(&format!("task {i}"), None)).collect();
        let one = notifications(&many, Lang::En);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].0, "kehu · 5 follow-ups due");
        assert!(one[0].1.starts_with("task 0, task 1, task 2…"));
    }
}
