//! The IPC surface: every command the webview may call, each a thin adapter from arguments to
//! one core call. The list in `../commands.list` declares them in the app manifest (so
//! capabilities govern them); `handler()` registers the same names, checked by a test.

// Tauri hands every command its arguments (and `State`) by value; borrowing is not an option.
#[allow(clippy::needless_pass_by_value)]
pub mod agenda;
#[allow(clippy::needless_pass_by_value)]
pub mod backup;
#[allow(clippy::needless_pass_by_value)]
pub mod customers;
#[allow(clippy::needless_pass_by_value)]
pub mod interop;
#[allow(clippy::needless_pass_by_value)]
pub mod records;
#[allow(clippy::needless_pass_by_value)]
pub mod search;
#[allow(clippy::needless_pass_by_value)]
pub mod session;

pub fn handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        session::app_state,
        session::password_strength,
        session::create_notebook,
        session::unlock,
        session::lock,
        session::session_activity,
        session::take_draft,
        session::change_password,
        session::save_settings,
        session::vocabulary,
        customers::list_customers,
        customers::customer_facets,
        customers::customer_profile,
        customers::add_customer,
        customers::edit_customer,
        customers::saved_views,
        customers::save_view,
        customers::delete_view,
        customers::history,
        customers::restore_history,
        customers::templates,
        customers::save_template,
        customers::delete_template,
        records::add_note,
        records::render_markdown,
        records::open_link,
        records::add_interaction,
        records::add_task,
        records::complete_task,
        records::add_complaint,
        records::set_complaint_status,
        records::add_secret,
        records::reveal_secret,
        records::copy_secret,
        records::add_attachment,
        records::attachment_data,
        records::save_attachment,
        records::access_log,
        records::check_notebook,
        records::repair_notebook,
        search::search,
        backup::backup_overview,
        backup::set_backup_password,
        backup::backup_now,
        backup::export_backup,
        backup::verify_backup,
        backup::restore_backup,
        backup::save_recovery_sheet,
        backup::handover_export,
        backup::handover_plan,
        backup::handover_import,
        interop::import_preview,
        interop::import_run,
        interop::export_customers,
        interop::import_mappings,
        interop::import_mapping,
        interop::save_import_mapping,
        interop::quality_report,
        interop::merge_customers,
        agenda::agenda,
        agenda::snooze_task,
        agenda::mark_reviewed,
        agenda::review_policy,
        agenda::set_review_policy,
        agenda::report,
        agenda::save_chart_csv,
        agenda::save_chart_png,
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_registered_command_is_declared_in_the_manifest() {
        let declared: Vec<String> = serde_json::from_str(include_str!("../commands.list")).unwrap();
        let source = include_str!("commands.rs");
        let start = source.find("generate_handler![").unwrap();
        let end = start + source[start..].find(']').unwrap();
        let registered: Vec<String> = source[start..end]
            .lines()
            .filter_map(|l| l.trim().trim_end_matches(',').rsplit("::").next().map(str::to_owned))
            .filter(|n| !n.is_empty() && !n.contains('!'))
            .collect();
        assert_eq!(declared, registered);
    }

    #[test]
    fn the_capability_grants_exactly_the_declared_commands() {
        let declared: Vec<String> = serde_json::from_str(include_str!("../commands.list")).unwrap();
        let capability: serde_json::Value = serde_json::from_str(include_str!("../capabilities/main.json")).unwrap();
        let granted: Vec<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(str::to_owned))
            .collect();
        let expected: Vec<String> = declared.iter().map(|c| c.replace('_', "-")).collect();
        assert_eq!(granted, expected);
    }
}
