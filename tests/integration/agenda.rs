//! The agenda and the report with a fixed clock: follow-ups due, overdue and snoozed in
//! different zones, notes that create tasks, interactions that close them, reminders once,
//! occasions across month and year ends and leap days, the review queue by grade, complaints,
//! and the dashboard's figures — through the API and the CLI.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::{America::New_York, Asia::Shanghai, Tz};
use kehu::clock::{self, Today};
use kehu::report::{Chart, chart_csv};
use kehu::store::{
    Change, ComplaintStatus, Field, FieldPath, Grade, InteractionKind, Lang, NewCustomer, NewInteraction, NewNote,
    NewTask, ReviewPolicy, Stage, TaskField,
};
use kehu::{ErrorCode, Notebook};

use crate::util::TempNotebook;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Runs `f` with this thread's clock fixed at `at`.
fn at<T>(at: DateTime<Utc>, f: impl FnOnce() -> T) -> T {
    clock::set_fixed_now(Some(at));
    let out = f();
    clock::set_fixed_now(None);
    out
}

fn customer(nb: &mut Notebook, name: &str, grade: Grade) -> i64 {
    nb.add_customer(&NewCustomer { name: name.into(), grade: Some(grade), ..Default::default() }).unwrap()
}

fn titles(tasks: &[kehu::store::Task]) -> Vec<&str> {
    tasks.iter().map(|t| t.title.as_str()).collect()
}

#[test]
fn due_today_and_overdue_follow_the_users_zone() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let zhang = at(utc(2026, 11, 1, 0, 0), || customer(&mut nb, "张伟", Grade::Vip));
    let add = |nb: &mut Notebook, title: &str, due: DateTime<Utc>, all_day: bool| {
        nb.add_task(&NewTask { customer_id: Some(zhang), title: title.into(), due: Some(due), all_day }).unwrap()
    };
    // A whole-day task is a calendar day, the same day in every zone.
    add(&mut nb, "昨天的全天任务", clock::floating(date(2026, 11, 29)), true);
    add(&mut nb, "今天的全天任务", clock::floating(date(2026, 11, 30)), true);
    add(&mut nb, "上午十点", utc(2026, 11, 30, 2, 0), false); // 10:00 in Shanghai
    add(&mut nb, "晚上九点", utc(2026, 11, 30, 13, 0), false); // 21:00 in Shanghai
    add(&mut nb, "月底后", utc(2026, 12, 1, 1, 0), false); // 1 December 09:00 in Shanghai
    add(&mut nb, "下周", utc(2026, 12, 8, 1, 0), false);
    nb.add_task(&NewTask { customer_id: None, title: "没有日期".into(), ..Default::default() }).unwrap();

    // 30 November 15:00 in Shanghai, the last day of the month.
    let now = utc(2026, 11, 30, 7, 0);
    let agenda = nb.agenda(&Today::at(now, Shanghai), 7).unwrap();
    assert_eq!(agenda.today, date(2026, 11, 30));
    assert_eq!(titles(&agenda.overdue), ["昨天的全天任务", "上午十点"]);
    assert_eq!(titles(&agenda.due_today), ["今天的全天任务", "晚上九点"]);
    assert_eq!(titles(&agenda.upcoming), ["月底后"]);

    // The same instant is 02:00 on 30 November in New York: the same days, and the timed
    // tasks (10:00 and 21:00 in Shanghai; 09:00 on 1 December) at 21:00 yesterday (overdue),
    // 08:00 and 20:00 today.
    let agenda = nb.agenda(&Today::at(now, New_York), 0).unwrap();
    assert_eq!(agenda.today, date(2026, 11, 30));
    assert_eq!(titles(&agenda.overdue), ["昨天的全天任务", "上午十点"]);
    assert_eq!(titles(&agenda.due_today), ["今天的全天任务", "晚上九点", "月底后"]);
    assert!(agenda.upcoming.is_empty(), "zero days ahead is today only");
    let agenda = nb.agenda(&Today::at(now, Shanghai), 8).unwrap();
    assert_eq!(titles(&agenda.upcoming), ["月底后", "下周"]);
    assert_eq!(nb.agenda(&Today::at(now, Shanghai), 400).unwrap_err().code(), ErrorCode::Invalid);
}

#[test]
fn snoozed_tasks_leave_the_agenda_and_are_reminded_once_per_time() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let id = customer(&mut nb, "李娜", Grade::Normal);
    let task = nb
        .add_task(&NewTask {
            customer_id: Some(id),
            title: "回电话".into(),
            due: Some(utc(2026, 3, 2, 1, 0)),
            all_day: false,
        })
        .unwrap();
    let reminders = |nb: &Notebook, now| nb.due_reminders(&Today::at(now, Shanghai)).unwrap();
    assert!(reminders(&nb, utc(2026, 3, 2, 0, 59)).is_empty());
    let due = reminders(&nb, utc(2026, 3, 2, 1, 0));
    assert_eq!(due.iter().map(|t| t.id).collect::<Vec<_>>(), [task]);
    nb.mark_reminded(&[task], utc(2026, 3, 2, 1, 0)).unwrap();
    assert!(reminders(&nb, utc(2026, 3, 2, 5, 0)).is_empty(), "reminded once");

    // Snoozed until the next morning: out of the agenda, then back, and reminded again.
    at(utc(2026, 3, 2, 2, 0), || nb.snooze_task(task, utc(2026, 3, 3, 1, 0))).unwrap();
    let agenda = nb.agenda(&Today::at(utc(2026, 3, 2, 3, 0), Shanghai), 7).unwrap();
    assert!(agenda.overdue.is_empty());
    assert_eq!(titles(&agenda.snoozed), ["回电话"]);
    assert!(reminders(&nb, utc(2026, 3, 3, 0, 0)).is_empty());
    assert_eq!(reminders(&nb, utc(2026, 3, 3, 1, 0)).len(), 1);
    let agenda = nb.agenda(&Today::at(utc(2026, 3, 3, 2, 0), Shanghai), 7).unwrap();
    assert_eq!(titles(&agenda.overdue), ["回电话"]);
    // A snooze into the past, or of a done task, is refused.
    let err = at(utc(2026, 3, 3, 2, 0), || nb.snooze_task(task, utc(2026, 3, 3, 1, 0))).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
    nb.complete_task(task).unwrap();
    assert!(reminders(&nb, utc(2026, 3, 4, 0, 0)).is_empty());
    // A whole-day task is reminded once its day begins in the user's zone (here 16:00 UTC
    // the day before), once.
    let day = nb
        .add_task(&NewTask {
            title: "整理名片".into(),
            due: Some(clock::floating(date(2026, 3, 10))),
            all_day: true,
            ..Default::default()
        })
        .unwrap();
    assert!(reminders(&nb, utc(2026, 3, 9, 15, 59)).is_empty());
    assert_eq!(reminders(&nb, utc(2026, 3, 9, 16, 0))[0].id, day);
    nb.mark_reminded(&[day], utc(2026, 3, 9, 16, 0)).unwrap();
    assert!(reminders(&nb, utc(2026, 3, 10, 12, 0)).is_empty());
    assert_eq!(nb.snooze_task(task, utc(2099, 1, 1, 0, 0)).unwrap_err().code(), ErrorCode::Invalid);
    let history = nb.history(id).unwrap();
    assert!(
        history.iter().any(|h| h.path == FieldPath::Task { field: TaskField::SnoozedUntil }),
        "a snooze is in the history"
    );
}

#[test]
fn a_follow_up_note_creates_its_task_and_an_interaction_closes_it() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let id = customer(&mut nb, "王芳", Grade::Vip);
    let other = customer(&mut nb, "赵强", Grade::Normal);
    let body =
        "## 跟进计划\n\n- **目标**：确认第二期报价\n- **下次跟进日期**：2026-12-05 10:00\n- **跟进方式**：电话\n";
    let note = nb.add_note(&NewNote { customer_id: id, body: Some(body.into()), ..Default::default() }).unwrap();
    let tasks = nb.tasks(&Default::default()).unwrap();
    assert_eq!(tasks.len(), 1);
    let task = &tasks[0];
    assert_eq!((task.title.as_str(), task.note_id, task.all_day), ("跟进：确认第二期报价", Some(note), false));
    assert_eq!(task.due, clock::parse_user_time("2026-12-05 10:00"));

    // The template as it comes (the field empty) creates nothing; words instead of a date are
    // refused and nothing is written.
    nb.add_note(&NewNote { customer_id: id, template: Some("跟进计划".into()), ..Default::default() }).unwrap();
    let notes = nb.notes(id).unwrap().len();
    let err = nb
        .add_note(&NewNote {
            customer_id: id, body: Some("- **下次跟进日期**：下周二".into()), ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
    assert!(err.to_string().contains("下周二"), "{err}");
    assert_eq!(nb.notes(id).unwrap().len(), notes);
    // An English note with a date only: a whole-day task on that day in the user's zone.
    nb.add_note(&NewNote {
        customer_id: id,
        body: Some("Next follow-up date: 2026-12-07".into()),
        ..Default::default()
    })
    .unwrap();
    let all_day = nb.tasks(&Default::default()).unwrap().into_iter().find(|t| t.all_day).unwrap();
    assert_eq!(all_day.title, "Follow up: 王芳");
    assert_eq!(all_day.due, Some(clock::floating(date(2026, 12, 7))));

    // A call settles the follow-up: the task is done, linked to the call.
    let call = |customer_id, closes_task| NewInteraction {
        customer_id,
        kind: InteractionKind::Call,
        summary: "电话确认报价".into(),
        outcome: None,
        at: None,
        closes_task,
    };
    let err = nb.add_interaction(&call(other, Some(task.id))).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid, "another customer's task");
    assert!(nb.interactions(other).unwrap().is_empty(), "nothing written");
    let overdue = nb
        .add_task(&NewTask {
            customer_id: Some(id),
            title: "昨天".into(),
            due: Some(utc(2020, 1, 1, 0, 0)),
            all_day: false,
        })
        .unwrap();
    assert_eq!(nb.customer_profile(id).unwrap().overdue_task_ids, [overdue], "the profile marks what is overdue");
    let interaction = nb.add_interaction(&call(id, Some(task.id))).unwrap();
    let closed = nb.task(task.id).unwrap();
    assert!(closed.done_at.is_some());
    assert_eq!(closed.interaction_id, Some(interaction));
    assert_eq!(nb.add_interaction(&call(id, Some(task.id))).unwrap_err().code(), ErrorCode::Invalid, "already done");
}

#[test]
fn occasions_cross_month_and_year_ends_and_keep_leap_days() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let add = |nb: &mut Notebook, name: &str, birthday: Option<&str>, custom: &[(&str, &str)]| {
        nb.add_customer(&NewCustomer {
            name: name.into(),
            birthday: birthday.map(str::to_owned),
            custom: custom.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
            ..Default::default()
        })
        .unwrap()
    };
    add(&mut nb, "闰日生", Some("1996-02-29"), &[]);
    add(&mut nb, "元旦生", Some("1980-01-01"), &[("公司成立日期", "2015年3月1日")]);
    add(&mut nb, "无年份", Some("--03-01"), &[("结婚纪念日", "12-31"), ("备注", "2026-01-01")]);

    // 26 February 2027 (a common year), looking 7 days ahead: the leap-day birthday is kept on
    // the 28th, and 1 March comes after it.
    let feb = Today::at(utc(2027, 2, 26, 4, 0), Shanghai);
    let got: Vec<_> = nb
        .agenda(&feb, 7)
        .unwrap()
        .occasions
        .iter()
        .map(|o| (o.name.clone(), o.field.clone(), o.date, o.years))
        .collect();
    assert_eq!(
        got,
        [
            ("闰日生".into(), None, date(2027, 2, 28), Some(31)),
            ("元旦生".into(), Some("公司成立日期".into()), date(2027, 3, 1), Some(12)),
            ("无年份".into(), None, date(2027, 3, 1), None),
        ]
    );
    // In a leap year it is the 29th itself.
    let leap = nb.agenda(&Today::at(utc(2028, 2, 27, 4, 0), Shanghai), 2).unwrap();
    assert_eq!(leap.occasions[0].date, date(2028, 2, 29));
    // 28 December, 5 days ahead: across the year's end. 16:30 UTC on the 27th is already the
    // 28th in Shanghai, but not in New York.
    let now = utc(2026, 12, 27, 16, 30);
    let names = |zone: Tz, days| -> Vec<String> {
        nb.agenda(&Today::at(now, zone), days).unwrap().occasions.iter().map(|o| o.name.clone()).collect()
    };
    assert_eq!(names(Shanghai, 4), ["无年份", "元旦生"]);
    assert_eq!(names(New_York, 4), ["无年份"], "in New York it is still the 27th: 1 January is 5 days away");
}

#[test]
fn the_review_queue_follows_the_grade_policy_and_resets() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let start = utc(2026, 1, 1, 0, 0);
    let (vip, normal, potential, churned) = at(start, || {
        let vip = customer(&mut nb, "重要", Grade::Vip);
        let normal = customer(&mut nb, "普通", Grade::Normal);
        let potential = customer(&mut nb, "潜在", Grade::Potential);
        let churned = customer(&mut nb, "流失", Grade::Vip);
        nb.edit_customer(churned, &[Change::Set(Field::Stage, Some(Stage::Churned.key().into()))]).unwrap();
        (vip, normal, potential, churned)
    });
    let queue = |nb: &Notebook, day: DateTime<Utc>| -> Vec<i64> {
        nb.agenda(&Today::at(day, Shanghai), 7).unwrap().review.iter().map(|r| r.customer_id).collect()
    };
    assert!(queue(&nb, utc(2026, 1, 30, 0, 0)).is_empty());
    assert_eq!(queue(&nb, utc(2026, 2, 1, 0, 0)), [vip], "31 days: VIP only; churned never");
    assert_eq!(queue(&nb, utc(2026, 4, 2, 0, 0)), [vip, normal], "VIP the most overdue");
    let agenda = nb.agenda(&Today::at(utc(2026, 7, 1, 0, 0), Shanghai), 7).unwrap();
    assert_eq!(agenda.review_total, 3);
    assert_eq!(
        (agenda.review[2].customer_id, agenda.review[2].days_since, agenda.review[2].allowed_days),
        (potential, 181, 180)
    );
    assert!(!agenda.review.iter().any(|r| r.customer_id == churned));

    // A note, an interaction or "reviewed" resets a customer.
    at(utc(2026, 3, 1, 0, 0), || {
        nb.add_note(&NewNote { customer_id: vip, body: Some("电话回访".into()), ..Default::default() }).unwrap();
        nb.mark_reviewed(normal).unwrap();
    });
    assert_eq!(queue(&nb, utc(2026, 3, 20, 0, 0)), Vec::<i64>::new());
    assert_eq!(queue(&nb, utc(2026, 4, 2, 0, 0)), [vip]);
    // The policy is the notebook's, checked, and used at once.
    nb.set_review_policy(&ReviewPolicy { vip: 60, normal: 90, potential: 180 }).unwrap();
    assert_eq!(queue(&nb, utc(2026, 4, 2, 0, 0)), Vec::<i64>::new());
    let bad = nb.set_review_policy(&ReviewPolicy { vip: 0, normal: 90, potential: 180 }).unwrap_err();
    assert_eq!(bad.code(), ErrorCode::Invalid);
    assert_eq!(nb.review_policy().unwrap().vip, 60);
}

#[test]
fn complaints_carry_their_dates_and_open_ones_are_on_the_agenda() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let id = customer(&mut nb, "孙丽", Grade::Normal);
    let complaint = at(utc(2026, 5, 1, 0, 0), || nb.add_complaint(id, "发货延迟", Some("晚了三天"))).unwrap();
    at(utc(2026, 5, 2, 0, 0), || nb.set_complaint_status(complaint, ComplaintStatus::Handling)).unwrap();
    let agenda = nb.agenda(&Today::at(utc(2026, 5, 3, 0, 0), Shanghai), 7).unwrap();
    let open = &agenda.complaints[0];
    assert_eq!((open.customer_name.as_str(), open.status), ("孙丽", ComplaintStatus::Handling));
    assert_eq!(
        (open.opened_at, open.handling_at, open.closed_at),
        (utc(2026, 5, 1, 0, 0), Some(utc(2026, 5, 2, 0, 0)), None)
    );
    at(utc(2026, 5, 4, 0, 0), || nb.set_complaint_status(complaint, ComplaintStatus::Resolved)).unwrap();
    let resolved = &nb.complaints(Some(id)).unwrap()[0];
    assert_eq!((resolved.handling_at, resolved.closed_at), (Some(utc(2026, 5, 2, 0, 0)), Some(utc(2026, 5, 4, 0, 0))));
    assert!(nb.agenda(&Today::at(utc(2026, 5, 5, 0, 0), Shanghai), 7).unwrap().complaints.is_empty());
    // Reopened: both later dates are cleared.
    nb.set_complaint_status(complaint, ComplaintStatus::Open).unwrap();
    let reopened = &nb.complaints(Some(id)).unwrap()[0];
    assert_eq!((reopened.handling_at, reopened.closed_at), (None, None));
}

#[test]
fn the_report_counts_in_the_users_months_and_weeks() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let add = |nb: &mut Notebook, when: DateTime<Utc>, grade: Grade, stage: Stage, industry: Option<&str>| {
        at(when, || {
            nb.add_customer(&NewCustomer {
                name: "客户".into(),
                grade: Some(grade),
                stage: Some(stage),
                industry: industry.map(str::to_owned),
                ..Default::default()
            })
            .unwrap()
        })
    };
    // 31 October 17:00 UTC is 1 November 01:00 in Shanghai: a November customer there.
    let a = add(&mut nb, utc(2026, 10, 31, 17, 0), Grade::Vip, Stage::Loyal, Some("制造业"));
    add(&mut nb, utc(2026, 10, 15, 0, 0), Grade::Normal, Stage::Active, Some("制造业"));
    add(&mut nb, utc(2025, 12, 31, 20, 0), Grade::Normal, Stage::Churned, None);
    add(&mut nb, utc(2026, 11, 20, 0, 0), Grade::Potential, Stage::Potential, Some("零售"));
    for (when, kind) in [
        (utc(2026, 11, 23, 1, 0), InteractionKind::Call), // Monday 23 November, Shanghai
        (utc(2026, 11, 24, 1, 0), InteractionKind::Call),
        (utc(2026, 11, 22, 15, 0), InteractionKind::Visit), // Sunday 23:00 in Shanghai: the week before
    ] {
        nb.add_interaction(&NewInteraction {
            customer_id: a,
            kind,
            summary: "联系".into(),
            outcome: None,
            at: Some(when),
            closes_task: None,
        })
        .unwrap();
    }
    nb.add_task(&NewTask {
        customer_id: Some(a),
        title: "逾期".into(),
        due: Some(utc(2026, 11, 1, 0, 0)),
        all_day: false,
    })
    .unwrap();
    nb.add_task(&NewTask {
        customer_id: None,
        title: "逾期无客户".into(),
        due: Some(utc(2026, 11, 2, 0, 0)),
        all_day: true,
    })
    .unwrap();

    let today = Today::at(utc(2026, 11, 25, 4, 0), Shanghai);
    let report = nb.report(&today, Lang::ZhCn).unwrap();
    assert_eq!(report.customers, 4);
    let counts = |slices: &[kehu::report::Slice]| -> Vec<(String, u64)> {
        slices.iter().map(|s| (s.label.clone(), s.count)).collect()
    };
    assert_eq!(counts(&report.by_grade), [("重要客户".into(), 1), ("普通客户".into(), 2), ("潜在客户".into(), 1)]);
    assert_eq!(counts(&report.by_industry), [("制造业".into(), 2), ("零售".into(), 1), ("未填写".into(), 1)]);
    assert_eq!(counts(&report.funnel), [("潜在".into(), 3), ("活跃".into(), 2), ("忠诚".into(), 1)]);
    let months: Vec<_> = report.new_per_month.iter().map(|s| (s.key.as_str(), s.count)).collect();
    assert_eq!(months.len(), 12);
    assert_eq!(months[0], ("2025-12", 0), "31 December 20:00 UTC is already January in Shanghai");
    assert_eq!(months[1], ("2026-01", 1));
    assert_eq!(&months[10..], [("2026-10", 1), ("2026-11", 2)]);
    assert_eq!(report.weeks.last(), Some(&date(2026, 11, 23)));
    let series = |key: &str| report.interactions_per_week.iter().find(|s| s.key == key).unwrap().counts.clone();
    assert_eq!(series("call")[11], 2);
    assert_eq!((series("visit")[10], series("visit")[11]), (1, 0));
    assert_eq!(counts(&report.overdue_by_grade)[0], ("重要客户".into(), 1));
    assert_eq!(counts(&report.overdue_by_grade)[3], ("无客户".into(), 1));

    let total = |chart| report.titles.iter().find(|t| t.chart == chart).unwrap().total;
    assert_eq!((total(Chart::Grade), total(Chart::Interactions), total(Chart::Overdue)), (4, 3, 2));
    assert_eq!(report.titles[0].title, "客户等级");
    let csv = chart_csv(&nb.report(&today, Lang::En).unwrap(), Chart::Grade);
    assert!(csv.starts_with("\u{feff}Grade,Count\n"), "{csv}");
    assert!(csv.contains("VIP,1\n"));
    let weekly = chart_csv(&report, Chart::Interactions);
    assert!(weekly.lines().next().unwrap().contains("周起始日,电话"));
    assert_eq!(weekly.lines().count(), 13);
}

#[test]
fn the_cli_agenda_report_task_and_review_with_a_fixed_clock() {
    let t = TempNotebook::new();
    let run = |args: &[&str]| {
        let out =
            t.kehu().env("KEHU_NOW", "2026-02-28T10:00:00Z").env("TZ", "Asia/Shanghai").args(args).output().unwrap();
        assert!(out.status.success(), "kehu {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let id: i64 = run(&["customer", "add", "--name", "周杰", "--grade", "vip", "--birthday", "2000-03-01"])
        .lines()
        .last()
        .unwrap()
        .parse()
        .unwrap();
    let task: i64 = run(&["task", "add", "--title", "寄样品", "--customer", &id.to_string(), "--due", "2026-02-28"])
        .lines()
        .last()
        .unwrap()
        .parse()
        .unwrap();
    run(&["task", "add", "--title", "昨天的", "--due", "2026-02-27 09:00"]);
    let agenda: serde_json::Value = serde_json::from_str(&run(&["--json", "agenda", "--days", "1"])).unwrap();
    assert_eq!(agenda["today"], "2026-02-28");
    assert_eq!(agenda["zone"], "Asia/Shanghai");
    assert_eq!(agenda["due_today"][0]["title"], "寄样品");
    assert_eq!(agenda["due_today"][0]["all_day"], true);
    assert_eq!(agenda["overdue"][0]["title"], "昨天的");
    assert_eq!(agenda["occasions"][0]["date"], "2026-03-01", "across the end of February");
    assert_eq!(agenda["occasions"][0]["years"], 26);
    let text = run(&["agenda"]);
    assert!(text.contains("逾期 (1)") && text.contains("寄样品") && text.contains("周杰"), "{text}");

    run(&["task", "snooze", &task.to_string(), "--until", "2026-03-02 09:00"]);
    let agenda: serde_json::Value = serde_json::from_str(&run(&["--json", "agenda"])).unwrap();
    assert_eq!(agenda["due_today"].as_array().unwrap().len(), 0);
    assert_eq!(agenda["snoozed"][0]["title"], "寄样品");

    let report: serde_json::Value = serde_json::from_str(&run(&["--json", "report"])).unwrap();
    assert_eq!(report["customers"], 1);
    assert_eq!(report["by_grade"][0]["key"], "vip");
    assert_eq!(report["new_per_month"][11]["key"], "2026-02");
    assert_eq!(report["new_per_month"][11]["count"], 1);
    let csv = run(&["report", "--csv", "grade"]);
    assert!(csv.starts_with("\u{feff}等级,数量"), "{csv}");
    let unknown = t.kehu().args(["report", "--csv", "pie"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown chart 'pie'"));

    let policy: serde_json::Value = serde_json::from_str(&run(&["--json", "review", "--vip", "14"])).unwrap();
    assert_eq!(policy, serde_json::json!({"vip": 14, "normal": 90, "potential": 180}));
    let err = t.fails(&["review", "--normal", "0"], 6);
    assert!(err.contains("1 to 3650"), "{err}");
}
