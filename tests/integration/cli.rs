//! The `kehu` binary: every command, its JSON, and its errors (one line, a documented status).

use kehu::Notebook;

use crate::util::{PASSWORD, TempNotebook};

/// A notebook made by `kehu init` with the minimum (still production-grade) KDF parameters.
fn initialised() -> TempNotebook {
    let t = TempNotebook::empty();
    let out = t.ok(&["init", "--kdf-memory-mib", "64", "--kdf-iterations", "3", "--kdf-parallelism", "4"]);
    assert!(out.contains("notebook created"), "{out}");
    t
}

#[test]
fn init_refuses_weak_parameters_and_existing_notebooks() {
    let t = TempNotebook::empty();
    let err = t.fails(&["init", "--kdf-memory-mib", "8", "--kdf-iterations", "3", "--kdf-parallelism", "4"], 6);
    assert!(err.contains("below the minimum"), "{err}");
    assert!(!t.dir().exists());
    let t = initialised();
    let header: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.dir().join("kehu.header")).unwrap()).unwrap();
    assert_eq!(header["kdf"]["algorithm"], "argon2id");
    assert_eq!(header["kdf"]["memory_kib"], 65536);
    let err = t.fails(&["init", "--kdf-memory-mib", "64", "--kdf-iterations", "3", "--kdf-parallelism", "4"], 9);
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn customer_add_show_list_edit_erase() {
    let t = initialised();
    let id = t.id(&[
        "customer",
        "add",
        "--name",
        "张伟",
        "--company",
        "华为技术有限公司",
        "--grade",
        "重要客户",
        "--stage",
        "active",
        "--phone",
        "138 0013 8000",
        "--email",
        "zhangwei@example.cn",
        "--wechat",
        "zw_2024",
        "--address",
        "深圳市龙岗区",
        "--tag",
        "重点",
        "--tag",
        "华南",
        "--field",
        "年营业额=100亿",
        "--template",
        "大型企业",
        "--birthday",
        "1980-05-04",
        "--colour",
        "红",
        "--company-size",
        "large",
        "--industry",
        "通信",
        "--region",
        "深圳",
        "--source",
        "老客户介绍",
        "--title",
        "采购总监",
    ]);
    let other = t.id(&["customer", "add", "--name", "Emily Chen", "--company", "Acme Ltd", "--grade", "potential"]);
    assert_ne!(id, other);

    let shown = t.json(&["customer", "show", &id.to_string()]);
    let c = &shown["customer"];
    assert_eq!(c["name"], "张伟");
    assert_eq!(c["grade"], "vip");
    assert_eq!(c["stage"], "active");
    assert_eq!(c["colour"], "red");
    assert_eq!(c["company_size"], "large");
    assert_eq!(c["custom"]["年营业额"], "100亿");
    assert_eq!(c["tags"], serde_json::json!(["华南", "重点"]));
    assert_eq!(c["contacts"].as_array().unwrap().len(), 4);
    assert_eq!(c["contacts"][0]["normalized"], "13800138000");
    for key in ["notes", "interactions", "tasks", "complaints", "secrets", "attachments"] {
        assert!(shown[key].is_array(), "{key}");
    }
    let text = t.ok(&["customer", "show", &id.to_string()]);
    assert!(text.contains("张伟") && text.contains("华为技术有限公司"), "{text}");

    let all = t.json(&["customer", "list"]);
    assert_eq!(all.as_array().unwrap().len(), 2);
    let vip = t.json(&["customer", "list", "--grade", "vip", "--tag", "重点"]);
    assert_eq!(vip.as_array().unwrap().len(), 1);
    assert_eq!(vip[0]["id"], id);
    assert_eq!(t.json(&["customer", "list", "--limit", "1"]).as_array().unwrap().len(), 1);
    assert_eq!(t.json(&["customer", "list", "--text", "acme"]).as_array().unwrap().len(), 1);

    t.ok(&[
        "customer",
        "edit",
        &id.to_string(),
        "--title",
        "副总裁",
        "--add-tag",
        "续约",
        "--remove-tag",
        "华南",
        "--unset-field",
        "年营业额",
        "--field",
        "员工人数=20万",
        "--reviewed",
    ]);
    let c = &t.json(&["customer", "show", &id.to_string()])["customer"];
    assert_eq!(c["title"], "副总裁");
    assert_eq!(c["tags"], serde_json::json!(["续约", "重点"]));
    assert_eq!(c["custom"], serde_json::json!({"员工人数": "20万"}));
    assert!(c["reviewed_at"].is_string());
    let contact = c["contacts"][0]["id"].as_i64().unwrap().to_string();
    t.ok(&["customer", "edit", &id.to_string(), "--remove-contact", &contact, "--company", ""]);
    let c = &t.json(&["customer", "show", &id.to_string()])["customer"];
    assert_eq!(c["contacts"].as_array().unwrap().len(), 3);
    assert!(c["company"].is_null(), "an empty value clears the field");

    t.fails(&["customer", "edit", &id.to_string()], 6);
    let err = t.fails(&["customer", "erase", &other.to_string()], 6);
    assert!(err.contains("--yes"), "{err}");
    t.ok(&["customer", "erase", &other.to_string(), "--yes"]);
    t.fails(&["customer", "show", &other.to_string()], 5);
    assert_eq!(t.json(&["customer", "list"]).as_array().unwrap().len(), 1);
}

#[test]
fn bad_input_names_the_field_and_changes_nothing() {
    let t = initialised();
    let err = t.fails(&["customer", "add", "--name", "李四", "--email", "lisi@@example"], 6);
    assert!(err.contains("contact.email") && err.contains("lisi@@example"), "{err}");
    let err = t.fails(&["customer", "add", "--name", "李四", "--grade", "gold"], 6);
    assert!(err.contains("grade") && err.contains("vip, normal, potential"), "{err}");
    let err = t.fails(&["customer", "add", "--name", "李四", "--birthday", "1990-13-01"], 6);
    assert!(err.contains("birthday"), "{err}");
    let err = t.fails(&["customer", "add", "--name", "李四", "--template", "没有这个模板"], 6);
    assert!(err.contains("没有这个模板"), "{err}");
    t.fails(&["customer", "add", "--name", "  "], 6);
    assert_eq!(t.json(&["customer", "list"]).as_array().unwrap().len(), 0);

    t.fails(&["customer", "show", "42"], 5);
    t.fails(&["note", "add", "42", "--text", "x"], 5);
    let err = t.fails(&["customer", "list", "--grade", "gold"], 2);
    assert!(err.contains("'gold' is not a grade"), "{err}");
    let err = t.fails(&["task", "add", "--title", "x", "--due", "next tuesday"], 2);
    assert!(err.contains("next tuesday"), "{err}");
}

#[test]
fn notes_interactions_tasks_complaints() {
    let t = initialised();
    let id = t.id(&["customer", "add", "--name", "刘洋"]).to_string();
    let note = t.id(&["note", "add", &id, "--text", "## 沟通记录\n客户关心交期", "--at", "2026-11-20 15:30"]);
    std::fs::write(t.path("visit.md"), "## 拜访记录\n参观了工厂").unwrap();
    t.id(&["note", "add", &id, "--file", t.path("visit.md").to_str().unwrap(), "--template", "拜访记录"]);
    t.id(&["note", "add", &id, "--template", "跟进计划"]);
    t.fails(&["note", "add", &id], 6);
    t.fails(&["note", "add", &id, "--template", "无此模板"], 5);
    let notes = t.json(&["note", "list", &id]);
    assert_eq!(notes.as_array().unwrap().len(), 3);
    let dated = notes.as_array().unwrap().iter().find(|n| n["id"] == note).unwrap();
    assert!(dated["at"].as_str().unwrap().starts_with("2026-11-20"));
    assert!(
        notes
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["template"] == "拜访记录" && n["body"].as_str().unwrap().contains("工厂"))
    );

    t.id(&["interaction", "add", &id, "--kind", "拜访", "--summary", "上门演示", "--outcome", "同意试用"]);
    t.id(&["interaction", "add", &id, "--kind", "call", "--summary", "Follow-up call"]);
    t.fails(&["interaction", "add", &id, "--kind", "call", "--summary", " "], 6);
    let rows = t.json(&["interaction", "list", &id]);
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert!(rows.as_array().unwrap().iter().any(|r| r["kind"] == "visit" && r["outcome"] == "同意试用"));

    let task =
        t.id(&["task", "add", "--title", "发报价单", "--customer", &id, "--due", "2026-12-01 09:00"]).to_string();
    t.id(&["task", "add", "--title", "整理名片"]);
    assert_eq!(t.json(&["task", "list"]).as_array().unwrap().len(), 2);
    assert_eq!(t.json(&["task", "list", "--customer", &id]).as_array().unwrap().len(), 1);
    t.ok(&["task", "done", &task]);
    assert!(t.fails(&["task", "done", &task], 6).contains("already done"));
    t.fails(&["task", "done", "999"], 5);
    assert_eq!(t.json(&["task", "list"]).as_array().unwrap().len(), 1);
    let all = t.json(&["task", "list", "--all"]);
    assert!(
        all.as_array().unwrap().iter().any(|r| r["id"] == task.parse::<i64>().unwrap() && r["done_at"].is_string())
    );

    let complaint = t.id(&["complaint", "add", &id, "--title", "发票错误", "--detail", "税号不对"]).to_string();
    t.ok(&["complaint", "status", &complaint, "处理中"]);
    t.ok(&["complaint", "status", &complaint, "resolved"]);
    let rows = t.json(&["complaint", "list", "--customer", &id]);
    assert_eq!(rows[0]["status"], "resolved");
    assert!(rows[0]["closed_at"].is_string());
    t.fails(&["complaint", "status", "999", "open"], 5);
}

#[test]
fn secrets_attachments_templates_history_log() {
    let t = initialised();
    let id = t.id(&["customer", "add", "--name", "周杰", "--company", "旧公司"]).to_string();
    std::fs::write(t.path("portal-pw"), "S3cr3t-门户\n").unwrap();
    let secret = t
        .id(&[
            "secret",
            "add",
            &id,
            "--label",
            "采购门户",
            "--username",
            "zhoujie",
            "--url",
            "https://srm.example.cn",
            "--secret-file",
            t.path("portal-pw").to_str().unwrap(),
        ])
        .to_string();
    let list = t.ok(&["secret", "list", &id]);
    assert!(list.contains("采购门户") && !list.contains("S3cr3t"), "{list}");
    let shown = t.json(&["secret", "show", &secret]);
    assert_eq!(shown["password"], "S3cr3t-门户");
    assert_eq!(shown["username"], "zhoujie");
    let err = t.fails(&["secret", "add", &id, "--label", "x"], 6);
    assert!(err.contains("--secret-file"), "{err}");

    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    std::fs::write(t.path("名片.png"), &bytes).unwrap();
    let att = t.id(&["attach", "add", &id, t.path("名片.png").to_str().unwrap()]).to_string();
    let rows = t.json(&["attach", "list", &id]);
    assert_eq!(rows[0]["name"], "名片.png");
    assert_eq!(rows[0]["mime"], "image/png");
    assert_eq!(rows[0]["size"], 70_000);
    t.ok(&["attach", "get", &att, "--output", t.path("out.png").to_str().unwrap()]);
    assert_eq!(std::fs::read(t.path("out.png")).unwrap(), bytes);
    t.fails(&["attach", "get", "999", "--output", t.path("x").to_str().unwrap()], 5);
    t.fails(&["attach", "add", &id, t.path("missing.pdf").to_str().unwrap()], 1);

    let templates = t.json(&["template", "list", "--kind", "note"]);
    assert_eq!(templates[0]["name"], "沟通记录");
    assert_eq!(t.json(&["template", "show", "跟进计划"])["kind"], "note");
    assert_eq!(t.json(&["template", "show", "初创公司", "--kind", "customer"])["fields"][0]["name"], "融资阶段");
    std::fs::write(t.path("tpl.md"), "## 电话回访\n- 满意度：\n").unwrap();
    t.id(&["template", "save", "电话回访", "--kind", "note", "--file", t.path("tpl.md").to_str().unwrap()]);
    t.id(&["note", "add", &id, "--template", "电话回访"]);
    t.ok(&["template", "remove", "电话回访", "--kind", "note"]);
    t.fails(&["template", "show", "电话回访"], 5);

    t.ok(&["customer", "edit", &id, "--company", "新公司"]);
    let history = t.json(&["history", &id]);
    let change = history
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|h| h["path"] == serde_json::json!({"kind": "customer", "field": "company"}))
        .unwrap();
    assert_eq!((change["old"].as_str(), change["new"].as_str()), (Some("旧公司"), Some("新公司")));
    t.ok(&["history", &id, "--restore", &change["id"].to_string()]);
    assert_eq!(t.json(&["customer", "show", &id])["customer"]["company"], "旧公司");
    t.fails(&["history", &id, "--restore", "99999"], 5);

    let log = t.json(&["log", "--limit", "100"]);
    let events: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    for event in ["create", "unlock", "secret_reveal", "export"] {
        assert!(events.contains(&event), "{event} not in {events:?}");
    }
    assert_eq!(t.json(&["log", "--verify"])["ok"], true);
    assert!(t.ok(&["tag", "list"]).is_empty());
}

#[test]
fn passwords_from_file_stdin_and_their_errors() {
    let t = initialised();
    t.kehu()
        .args(["customer", "list"])
        .arg("--password-stdin")
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .failure()
        .code(6); // --password-file and --password-stdin together
    let mut cmd = assert_cmd::Command::cargo_bin("kehu").unwrap();
    cmd.env_clear()
        .args(["--notebook", t.dir().to_str().unwrap(), "--password-stdin", "customer", "list"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    let mut cmd = assert_cmd::Command::cargo_bin("kehu").unwrap();
    let out = cmd.env_clear().args(["--notebook", t.dir().to_str().unwrap(), "customer", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--password-file"));

    std::fs::write(t.password_file(), "wrong\n").unwrap();
    let err = t.fails(&["customer", "list"], 3);
    assert_eq!(err, "kehu: wrong password\n");
    std::fs::write(t.password_file(), format!("{PASSWORD}\n")).unwrap();

    let held = Notebook::open(&t.dir(), PASSWORD.as_bytes()).unwrap();
    let err = t.fails(&["customer", "list"], 4);
    assert!(err.contains("open in another kehu process"), "{err}");
    drop(held);

    let missing = crate::util::TempNotebook::empty();
    let err = missing.fails(&["customer", "list"], 7);
    assert!(err.contains("kehu init"), "{err}");
}

#[test]
fn passwd_rewraps_and_check_reports() {
    let t = initialised();
    t.id(&["customer", "add", "--name", "孙八"]);
    assert_eq!(t.json(&["check"])["ok"], true);
    std::fs::write(t.path("new-pw"), "新的主密码 2026\n").unwrap();
    t.ok(&[
        "passwd",
        "--new-password-file",
        t.path("new-pw").to_str().unwrap(),
        "--kdf-memory-mib",
        "64",
        "--kdf-iterations",
        "3",
        "--kdf-parallelism",
        "4",
    ]);
    t.fails(&["customer", "list"], 3);
    std::fs::copy(t.path("new-pw"), t.password_file()).unwrap();
    assert_eq!(t.json(&["customer", "list"]).as_array().unwrap().len(), 1);

    // Damage one byte in the middle of the database: the page no longer authenticates.
    let db = t.dir().join(kehu::DB_FILE);
    let mut bytes = std::fs::read(&db).unwrap();
    let middle = bytes.len() / 2 + 100;
    bytes[middle] ^= 0x55;
    std::fs::write(&db, bytes).unwrap();
    let out = t.kehu().args(["--json", "check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("no report; stderr: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["ok"], false);
    assert!(
        report["problems"].as_array().unwrap().iter().any(|p| p.as_str().unwrap().contains("cipher_integrity_check"))
    );
}

/// Runs kehu on a pseudo-terminal (util-linux `script`), typing `input`.
fn on_a_terminal(args: &str, input: &str) -> std::process::Output {
    let kehu = assert_cmd::cargo::cargo_bin("kehu");
    let mut child = std::process::Command::new("script")
        .args(["-qec", &format!("{} {args}", kehu.display()), "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn prompts_for_passwords_on_a_terminal() {
    let t = TempNotebook::empty();
    let dir = t.dir();
    let init = format!("--notebook {} init --kdf-memory-mib 64 --kdf-iterations 3 --kdf-parallelism 4", dir.display());
    let out = on_a_terminal(&init, "青岛晨跑-口令一\n青岛晨跑-口令二\n");
    assert!(String::from_utf8_lossy(&out.stdout).contains("the two passwords differ"));
    assert!(!dir.join("kehu.header").exists());
    let out = on_a_terminal(&init, "青岛晨跑-口令一\n青岛晨跑-口令一\n");
    assert!(String::from_utf8_lossy(&out.stdout).contains("notebook created"), "{out:?}");
    let out = on_a_terminal(&format!("--notebook {} --json customer list", dir.display()), "青岛晨跑-口令一\n");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Master password") && stdout.contains("[]"), "{stdout}");
    Notebook::open(&dir, "青岛晨跑-口令一".as_bytes()).unwrap();
}
