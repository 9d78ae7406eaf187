//! Files made to hurt: a package or JSON file whose rows were edited by hand is refused, naming
//! the table, row and field, through every way rows come in (JSON import, handover, restore,
//! restore --merge) — in the dry run as in the import — and the notebook keeps working.

use std::io::{Read, Write};
use std::path::Path;

use age::secrecy::SecretString;
use sha2::{Digest, Sha256};

use crate::backup::fill;
use crate::util::TempNotebook;

pub(crate) const PACKAGE_PASSWORD: &str = "备份口令 hostile-files";

/// Decrypts a package, lets `edit` change each file's bytes (path inside the package's folder),
/// fixes the manifest's sizes and checksums to match, and encrypts it again: what someone who
/// knows a package's password can make of it.
pub fn repack(input: &Path, output: &Path, password: &str, mut edit: impl FnMut(&str, Vec<u8>) -> Vec<u8>) {
    let identity = age::scrypt::Identity::new(SecretString::from(password.to_owned()));
    let decryptor = age::Decryptor::new_buffered(std::io::BufReader::new(std::fs::File::open(input).unwrap())).unwrap();
    let mut plain = Vec::new();
    decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)).unwrap().read_to_end(&mut plain).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in tar::Archive::new(plain.as_slice()).entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        files.push((path, data));
    }
    let mut entries = Vec::new();
    for (path, data) in files {
        let (root, rel) = path.split_once('/').unwrap();
        let data = if rel == "manifest.json" { data } else { edit(rel, data) };
        entries.push((root.to_owned(), rel.to_owned(), data));
    }
    let (last, rest) = entries.split_last_mut().unwrap();
    let mut manifest: serde_json::Value = serde_json::from_slice(&last.2).unwrap();
    let mut totals = serde_json::Map::new();
    for file in manifest["files"].as_array_mut().unwrap() {
        let path = file["path"].as_str().unwrap().to_owned();
        let (_, _, data) = rest.iter().find(|(_, rel, _)| *rel == path).unwrap();
        file["size"] = data.len().into();
        file["sha256"] = hex::encode(Sha256::digest(data)).into();
        if let Some(table) = path.strip_prefix("data/").and_then(|p| p.split('/').next()) {
            // A part that no longer parses keeps its old count: the reader's refusal is the test.
            if let Ok(rows) = serde_json::from_slice::<Vec<serde::de::IgnoredAny>>(data) {
                file["records"] = rows.len().into();
                let total = totals.get(table).and_then(serde_json::Value::as_u64).unwrap_or(0);
                totals.insert(table.to_owned(), (total + rows.len() as u64).into());
            }
        }
    }
    for (table, total) in totals {
        manifest["tables"][table] = total;
    }
    last.2 = serde_json::to_vec(&manifest).unwrap();
    let mut tar = tar::Builder::new(Vec::new());
    for (root, rel, data) in &entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o600);
        tar.append_data(&mut header, format!("{root}/{rel}"), data.as_slice()).unwrap();
    }
    let tarred = tar.into_inner().unwrap();
    let mut recipient = age::scrypt::Recipient::new(SecretString::from(password.to_owned()));
    recipient.set_work_factor(10);
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient)).unwrap();
    let mut out = encryptor.wrap_output(std::fs::File::create(output).unwrap()).unwrap();
    out.write_all(&tarred).unwrap();
    out.finish().unwrap();
}

/// The poisons: (table, column, value).
const POISONS: &[(&str, &str, &str)] =
    &[("note", "at", "not a time"), ("customer", "created_at", "garbage"), ("task", "due", "garbage")];

/// A refusal names the table, a row, the column and the value.
fn names_the_row(err: &str, table: &str, column: &str, value: &str) -> bool {
    err.contains(&format!("{table} row ")) && err.contains(&format!(", {column}: '{value}'"))
}

/// Sets `column` of the first row of `table` that has the column to `value`, in a JSON array part.
fn poison_rows(data: &[u8], column: &str, value: &str) -> Vec<u8> {
    let mut rows: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_slice(data).unwrap();
    let row = rows.iter_mut().find(|r| r.contains_key(column)).expect("a row with the column");
    row.insert(column.into(), value.into());
    serde_json::to_vec(&rows).unwrap()
}

/// The notebook still answers every command that reading a bad row used to break.
fn still_works(t: &TempNotebook) {
    for args in [
        &["customer", "list"][..],
        &["search", "预算"],
        &["task", "list"],
        &["check"],
        &["export", "--format", "json", "--output", &t.path("after.json").display().to_string()],
    ] {
        t.ok(args);
    }
}

/// A notebook holding one customer with a note, for the commands that follow a refusal.
fn with_one_customer() -> TempNotebook {
    let t = TempNotebook::new();
    let id = t.id(&["customer", "add", "--name", "王芳"]);
    t.ok(&["note", "add", &id.to_string(), "--text", "预算已确认"]);
    t
}

/// A notebook filled by `fill`, the password file of its packages, and a handover package of its
/// 华东 customers.
pub(crate) fn filled_with_a_handover() -> (TempNotebook, String, std::path::PathBuf) {
    let source = TempNotebook::new();
    fill(&mut source.open());
    let pw = package_password(&source);
    let handover = source.path("h.age");
    let output = handover.display().to_string();
    source.ok(&["handover", "export", "--output", &output, "--tag", "华东", "--backup-password-file", &pw]);
    (source, pw, handover)
}

fn package_password(t: &TempNotebook) -> String {
    let path = t.path("package-password");
    std::fs::write(&path, format!("{PACKAGE_PASSWORD}\n")).unwrap();
    path.display().to_string()
}

#[test]
fn a_poisoned_kehu_json_file_is_refused_by_the_dry_run_and_the_import() {
    let source = TempNotebook::new();
    fill(&mut source.open());
    let export = source.path("export.json");
    source.ok(&["export", "--format", "json", "--output", &export.display().to_string()]);
    let document: serde_json::Value = serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    for (table, column, value) in POISONS {
        let mut poisoned = document.clone();
        let rows = poisoned["tables"][*table].as_array_mut().unwrap();
        rows.iter_mut().find(|r| r.get(*column).is_some()).unwrap()[*column] = (*value).into();
        let file = source.path(&format!("poisoned-{table}.json"));
        std::fs::write(&file, serde_json::to_vec(&poisoned).unwrap()).unwrap();
        let target = with_one_customer();
        let file = file.display().to_string();
        for args in [&["import", &file, "--dry-run"][..], &["import", &file]] {
            let err = target.fails(args, 6);
            assert!(names_the_row(&err, table, column, value), "{args:?}: {err}");
        }
        assert_eq!(target.json(&["customer", "list"]).as_array().unwrap().len(), 1, "nothing was written");
        still_works(&target);
    }
}

#[test]
fn a_poisoned_handover_package_or_backup_is_refused_through_every_entry_point() {
    let (source, pw, handover) = filled_with_a_handover();
    let backup = source.path("b.age");
    source.ok(&["backup", "create", "--output", &backup.display().to_string(), "--backup-password-file", &pw]);
    for (table, column, value) in POISONS {
        let part = format!("data/{table}/part-0001.json");
        let poison = |rel: &str, data: Vec<u8>| if rel == part { poison_rows(&data, column, value) } else { data };
        let bad_handover = source.path(&format!("bad-handover-{table}.age"));
        let bad_backup = source.path(&format!("bad-backup-{table}.age"));
        repack(&handover, &bad_handover, PACKAGE_PASSWORD, poison);
        repack(&backup, &bad_backup, PACKAGE_PASSWORD, poison);
        let (bad_handover, bad_backup) = (bad_handover.display().to_string(), bad_backup.display().to_string());

        let target = with_one_customer();
        let pw = package_password(&target);
        for args in [
            &["handover", "import", &bad_handover, "--backup-password-file", &pw, "--dry-run"][..],
            &["handover", "import", &bad_handover, "--backup-password-file", &pw],
            &["backup", "restore", &bad_backup, "--backup-password-file", &pw, "--merge"],
        ] {
            let err = target.fails(args, 6);
            assert!(names_the_row(&err, table, column, value), "{args:?}: {err}");
        }
        assert_eq!(target.json(&["customer", "list"]).as_array().unwrap().len(), 1, "nothing was written");
        still_works(&target);

        let restored = TempNotebook::empty();
        let err = restored.fails(&["backup", "restore", &bad_backup, "--backup-password-file", &pw], 6);
        assert!(names_the_row(&err, table, column, value), "restore: {err}");
        assert!(!restored.dir().exists(), "a refused restore leaves no notebook");
    }
}

#[test]
fn attachment_sizes_and_checksums_from_a_package_are_checked_against_its_files() {
    let (source, _, handover) = filled_with_a_handover();
    let lying = source.path("lying.age");
    repack(&handover, &lying, PACKAGE_PASSWORD, |rel, data| {
        if rel == "data/attachment/part-0001.json" { poison_size(&data) } else { data }
    });
    let target = with_one_customer();
    let pw = package_password(&target);
    let err = target.fails(&["handover", "import", &lying.display().to_string(), "--backup-password-file", &pw], 6);
    assert!(err.contains("attachment row ") && err.contains(", size: "), "{err}");
    assert_eq!(target.json(&["customer", "list"]).as_array().unwrap().len(), 1);
}

fn poison_size(data: &[u8]) -> Vec<u8> {
    let mut rows: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_slice(data).unwrap();
    rows[0].insert("size".into(), 1.into());
    serde_json::to_vec(&rows).unwrap()
}

#[test]
fn exported_cells_that_look_like_formulas_are_text_in_csv_xlsx_and_report_csv() {
    let t = TempNotebook::new();
    let payload = "=HYPERLINK(\"http://evil.example\",\"点我\")";
    t.ok(&["customer", "add", "--name", payload, "--phone", "+86 138 1234 5678", "--industry", "@SUM(1+1)"]);
    let csv = t.path("out.csv");
    t.ok(&["export", "--format", "csv", "--output", &csv.display().to_string()]);
    let text = String::from_utf8(std::fs::read(&csv).unwrap()).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let row = reader.records().next().unwrap().unwrap();
    let cells: Vec<&str> = row.iter().collect();
    assert!(cells.contains(&format!("'{payload}").as_str()), "{cells:?}");
    assert!(cells.contains(&"'+86 138 1234 5678") && cells.contains(&"'@SUM(1+1)"), "{cells:?}");
    assert!(!cells.iter().any(|c| c.starts_with(['=', '+', '-', '@'])), "{cells:?}");

    // kehu reads its own file back as it was written.
    let other = TempNotebook::new();
    other.ok(&["import", &csv.display().to_string()]);
    let listed = other.json(&["customer", "list"]);
    assert_eq!(listed[0]["name"], payload, "{listed}");

    // --raw-cells writes them as they are.
    let raw = t.path("raw.csv");
    t.ok(&["export", "--format", "csv", "--raw-cells", "--output", &raw.display().to_string()]);
    assert!(String::from_utf8(std::fs::read(&raw).unwrap()).unwrap().contains("\"=HYPERLINK("));

    // XLSX: the cell is a string marked quote-prefixed, so Excel keeps it text when edited.
    let xlsx = t.path("out.xlsx");
    t.ok(&["export", "--format", "xlsx", "--output", &xlsx.display().to_string()]);
    let styles = unzip_entry(&xlsx, "xl/styles.xml");
    assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
    let other = TempNotebook::new();
    other.ok(&["import", &xlsx.display().to_string()]);
    assert_eq!(other.json(&["customer", "list"])[0]["name"], payload);

    // A chart's CSV: an industry the user typed is a label there.
    let chart = t.ok(&["report", "--csv", "industry"]);
    assert!(chart.contains("'@SUM(1+1)") && !chart.contains("\n@SUM"), "{chart}");
}

/// One file of a zip archive (an XLSX), as text, read with `unzip -p` from the system.
fn unzip_entry(path: &Path, name: &str) -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())"])
        .arg(path)
        .arg(name)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn weak_master_and_backup_passwords_are_refused_by_every_entry_point() {
    let t = TempNotebook::empty();
    let weak = t.path("weak");
    std::fs::write(&weak, "1\n").unwrap();
    let weak = weak.display().to_string();
    let mut init = t.kehu();
    let out = init.args(["init"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = {
        let out = assert_cmd::Command::cargo_bin("kehu")
            .unwrap()
            .env_clear()
            .env("HOME", t.path("home"))
            .args(["--notebook", &t.path("other").display().to_string(), "--password-file", &weak, "init"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(6));
        String::from_utf8(out.stderr).unwrap()
    };
    assert!(err.contains("too easy to guess"), "{err}");
    assert!(!t.path("other").join("kehu.header").exists());
    t.fails(&["passwd", "--new-password-file", &weak], 6);
    let a = t.path("a");
    std::fs::write(&a, "a\n").unwrap();
    let a = a.display().to_string();
    let id = t.id(&["customer", "add", "--name", "张伟"]);
    for args in [
        &["backup", "create", "--output", &t.path("b.age").display().to_string(), "--backup-password-file", &a][..],
        &[
            "handover",
            "export",
            "--output",
            &t.path("h.age").display().to_string(),
            "--customer",
            &id.to_string(),
            "--backup-password-file",
            &a,
        ],
        &["backup", "password", "--backup-password-file", &a],
    ] {
        let err = t.fails(args, 6);
        assert!(err.contains("backup password is too easy to guess"), "{args:?}: {err}");
    }
    assert!(!t.path("b.age").exists() && !t.path("h.age").exists());
}

#[test]
fn a_pax_size_record_does_not_get_a_file_past_the_readers_cap() {
    let source = TempNotebook::new();
    fill(&mut source.open());
    let pw = package_password(&source);
    let backup = source.path("b.age");
    source.ok(&["backup", "create", "--output", &backup.display().to_string(), "--backup-password-file", &pw]);
    // A tar whose one entry's header says 1 KiB while its PAX record says 4 GiB.
    let mut tar = tar::Builder::new(Vec::new());
    tar.append_pax_extensions([("size", b"4294967296".as_slice())]).unwrap();
    let mut header = tar::Header::new_ustar();
    header.set_size(1024);
    header.set_mode(0o600);
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, "kehu-backup/attachments/1-x", [0u8; 1024].as_slice()).unwrap();
    let tarred = tar.into_inner().unwrap();
    let mut recipient = age::scrypt::Recipient::new(SecretString::from(PACKAGE_PASSWORD.to_owned()));
    recipient.set_work_factor(10);
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient)).unwrap();
    let hostile = source.path("pax.age");
    let mut out = encryptor.wrap_output(std::fs::File::create(&hostile).unwrap()).unwrap();
    out.write_all(&tarred).unwrap();
    out.finish().unwrap();
    let err = source.fails(&["backup", "verify", &hostile.display().to_string(), "--backup-password-file", &pw], 8);
    assert!(err.contains("claims 4294967296 bytes"), "{err}");
}

#[test]
fn inputs_are_read_with_limits_and_outputs_are_private_and_never_clobbered() {
    use std::os::unix::fs::PermissionsExt;
    let t = TempNotebook::new();
    let id = t.id(&["customer", "add", "--name", "张伟\u{1b}]0;pwned\u{7}"]).to_string();
    // Endless inputs are refused after their limit, not read forever.
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("kehu"))
        .env_clear()
        .env("HOME", t.path("home"))
        .args(["--notebook", &t.dir().display().to_string(), "--password-stdin", "customer", "list"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", String::from_utf8_lossy(&out.stderr));
    let err = t.fails(&["note", "add", &id, "--file", "/dev/zero"], 1);
    assert!(err.contains("larger than"), "{err}");
    let err = t.fails(&["attach", "add", &id, "/dev/zero"], 1);
    assert!(err.contains("larger than"), "{err}");

    // A saved attachment or export is the user's only, and an existing file is kept unless asked.
    t.ok(&["attach", "add", &id, "assets/icons/128x128.png"]);
    let attachment = t.json(&["attach", "list", &id])[0]["id"].to_string();
    let saved = t.path("saved.png");
    std::fs::write(&saved, b"mine").unwrap();
    let err = t.fails(&["attach", "get", &attachment, "--output", &saved.display().to_string()], 6);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&saved).unwrap(), b"mine");
    t.ok(&["attach", "get", &attachment, "--output", &saved.display().to_string(), "--force"]);
    assert_eq!(std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777, 0o600);
    let export = t.path("out.csv");
    t.ok(&["export", "--format", "csv", "--output", &export.display().to_string()]);
    assert_eq!(std::fs::metadata(&export).unwrap().permissions().mode() & 0o777, 0o600);

    // Output into a pipe closed early ends quietly; piped output keeps the name as stored.
    let kehu = assert_cmd::cargo::cargo_bin("kehu");
    {
        let mut nb = t.open();
        let many: Vec<kehu::store::NewCustomer> =
            (0..2000).map(|i| kehu::store::NewCustomer::named(format!("李娜 {i}"))).collect();
        nb.add_customers(&many).unwrap();
    }
    let out = std::process::Command::new("bash")
        .args([
            "-c",
            &format!(
                "{} --notebook {} --password-file {} customer list --limit 2000 | head -n 1 >/dev/null; echo ${{PIPESTATUS[0]}}",
                kehu.display(),
                t.dir().display(),
                t.password_file().display()
            ),
        ])
        .env("HOME", t.path("home"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let status = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(status == "141" || status == "0", "status {status}, {stderr}");
    assert!(t.ok(&["customer", "show", &id]).contains("\u{1b}]0;pwned"), "piped, the name is as stored");
}

/// A handover package of about 99 MB — 30 000 customers and one part of 95 MB of notes — is
/// planned and imported under a memory limit of a few times its size (it took 6.5 GB when a
/// package was held whole as JSON maps).
#[test]
fn a_99_mb_package_is_read_within_a_memory_limit() {
    const CUSTOMERS: usize = 30_000;
    let (source, pw, handover) = filled_with_a_handover();
    let big = source.path("big.age");
    let body: String = "本季度预算已确认，客户要求下周提供正式报价并安排现场演示。".repeat(35);
    repack(&handover, &big, PACKAGE_PASSWORD, |rel, data| {
        let mut rows: Vec<serde_json::Map<String, serde_json::Value>> = match rel {
            "data/customer/part-0001.json" | "data/note/part-0001.json" => serde_json::from_slice(&data).unwrap(),
            _ => return data,
        };
        let template = rows[0].clone();
        rows.clear();
        for i in 0..CUSTOMERS {
            let mut row = template.clone();
            if rel.starts_with("data/customer/") {
                row.insert("id".into(), (100_000 + i).into());
                row.insert("name".into(), format!("客户{i}").into());
                row.insert("company".into(), format!("公司{i}").into());
            } else {
                row.insert("id".into(), (100_000 + i).into());
                row.insert("customer_id".into(), (100_000 + i).into());
                row.insert("body".into(), format!("{i} {body}").into());
            }
            rows.push(row);
        }
        serde_json::to_vec(&rows).unwrap()
    });
    let size = std::fs::metadata(&big).unwrap().len();
    assert!(size > 95_000_000, "the package is {size} bytes");
    let target = with_one_customer();
    let limit = 6 * size;
    let run = |args: &[&str]| {
        std::process::Command::new("prlimit")
            .arg(format!("--data={limit}"))
            .arg("--")
            .arg(assert_cmd::cargo::cargo_bin("kehu"))
            .env_clear()
            .env("LANG", "C.UTF-8")
            .env("HOME", target.path("home"))
            .env("TMPDIR", target.path("tmp"))
            .args(["--json", "--notebook", &target.dir().display().to_string()])
            .args(["--password-file", &target.password_file().display().to_string()])
            .args(args)
            .output()
            .unwrap()
    };
    let big = big.display().to_string();
    let plan = run(&["handover", "import", &big, "--backup-password-file", &pw, "--dry-run"]);
    assert!(plan.status.success(), "dry run under {limit} bytes: {}", String::from_utf8_lossy(&plan.stderr));
    let imported = run(&["handover", "import", &big, "--backup-password-file", &pw]);
    assert!(imported.status.success(), "import under {limit} bytes: {}", String::from_utf8_lossy(&imported.stderr));
    let report: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(report["added"], CUSTOMERS as u64, "{report}");
    assert_eq!(target.json(&["customer", "list", "--limit", "1000000"]).as_array().unwrap().len(), CUSTOMERS + 1);
}
