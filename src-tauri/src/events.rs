//! The events the host sends the webview, named once: the UI's `HostEvent` type is generated
//! from this enum, and every `listen` in `ui/src/api/client.ts` names one of its values.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum HostEvent {
    /// An import's or export's progress (payload: `Progress`).
    Progress,
    /// An automatic backup was written or failed (payload: the `BackupStatus`).
    Backup,
    /// Tasks became due (payload: their ids).
    Reminder,
    /// Asked of the UI: save what is being edited, then call `lock` (payload: why).
    LockRequested,
    /// Told to the UI: the session is locked (the UI was too slow to answer a lock request).
    Locked,
}

impl HostEvent {
    /// The event's name on the wire: its serde spelling, which is also the generated type's.
    pub fn name(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => name,
            _ => unreachable!("a unit variant serialises as its name"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_are_kebab_case_words() {
        assert_eq!(HostEvent::LockRequested.name(), "lock-requested");
        assert_eq!(HostEvent::Progress.name(), "progress");
    }
}
