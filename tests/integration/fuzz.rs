//! Every reader fed files made by mutating real ones — workbooks (.xlsx, .xls), CSV in GBK and
//! UTF-16, vCards from phones, a kehu JSON export and a handover package (decrypted, its parts
//! mutated, encrypted again, so the mutations reach the package's reader rather than age's
//! authentication) — each read by `kehu import --dry-run` / `handover import --dry-run` under a
//! memory limit and a time limit: read, or refused with one clear line and a documented exit
//! status; never a panic, a signal, or more memory than the limit. The generator is seeded, so a
//! failure names the mutant that reproduces it. (The readers' own property tests, beside their
//! code, try random input in-process; this one proves the bounds on the real binary.)

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::hostile::{PACKAGE_PASSWORD, filled_with_a_handover, repack};
use crate::interop::fixture;
use crate::util::TempNotebook;

/// The memory a reader may take for these small files, whatever they say.
/// 512 MiB, in bytes (prlimit takes no suffix).
const MEMORY_LIMIT: &str = "--data=536870912";
/// Seconds a dry run may take before it counts as hanging.
const TIME_LIMIT: &str = "60";
/// Mutants per seed file.
const MUTANTS: u64 = 24;

/// xorshift64*: small, seeded, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of `bytes`, of the kinds that break readers: flipped bytes, a file cut short, a
/// slice repeated or removed, random bytes inserted, a number made huge (sizes, counts, cell
/// addresses, dates).
fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..=rng.below(3) {
        let len = out.len().max(1);
        match rng.below(6) {
            0 => {
                for _ in 0..=rng.below(8) {
                    let at = rng.below(len);
                    if let Some(b) = out.get_mut(at) {
                        *b ^= 1 << rng.below(8);
                    }
                }
            }
            1 => out.truncate(rng.below(len)),
            2 => {
                let start = rng.below(len);
                let end = (start + rng.below(4096)).min(out.len());
                let slice = out[start.min(end)..end].to_vec();
                let at = rng.below(len).min(out.len());
                out.splice(at..at, slice.iter().copied().cycle().take(slice.len() * (1 + rng.below(20))));
            }
            3 => {
                let start = rng.below(len).min(out.len());
                let end = (start + rng.below(512)).min(out.len());
                out.drain(start..end);
            }
            4 => {
                let at = rng.below(len).min(out.len());
                let noise: Vec<u8> = (0..=rng.below(64)).map(|_| rng.next() as u8).collect();
                out.splice(at..at, noise);
            }
            _ => {
                let digits: Vec<usize> = (0..out.len()).filter(|&i| out[i].is_ascii_digit()).collect();
                if !digits.is_empty() {
                    let at = digits[rng.below(digits.len())];
                    let huge = ["4294967295", "99999999999999999999", "-1", "1048577", "18446744073709551616"];
                    out.splice(at..=at, huge[rng.below(huge.len())].bytes());
                }
            }
        }
    }
    out
}

/// Runs `kehu ARGS` on `t` under the limits; panics, naming `what`, on anything but a clean
/// outcome (success, invalid input, damaged) with one line on stderr for a refusal. The refusal,
/// if the file was refused.
fn run_bounded(t: &TempNotebook, what: &str, args: &[&str]) -> Option<String> {
    let started = std::time::Instant::now();
    let out = Command::new("timeout")
        .args(["-s", "KILL", TIME_LIMIT, "prlimit", MEMORY_LIMIT, "--"])
        .arg(assert_cmd::cargo::cargo_bin("kehu"))
        .env_clear()
        .env("LANG", "C.UTF-8")
        .env("HOME", t.path("home"))
        .env("TMPDIR", t.path("tmp"))
        .args(["--notebook", &t.dir().display().to_string()])
        .args(["--password-file", &t.password_file().display().to_string()])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let status = out.status.code();
    assert!(
        matches!(status, Some(0 | 6 | 8)),
        "{what}: exit {status:?} after {:?} (137: killed at the time limit; 134: aborted, out of memory): {stderr}",
        started.elapsed()
    );
    if status != Some(0) {
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.starts_with(' ') && !l.contains(" WARN ")).collect();
        assert!(lines.len() == 1 && lines[0].starts_with("kehu: "), "{what}: a refusal is one line: {stderr}");
    }
    (status != Some(0)).then(|| stderr.trim().to_owned())
}

/// Writes each mutant of `seed` and dry-runs its import, two at a time (one notebook each: a
/// notebook is open in one process at a time). Returns how many got past the parser: read, or
/// refused for a value in a row.
fn fuzz_reader(
    targets: &[TempNotebook; 2],
    seed_name: &str,
    seed: u64,
    mutants: &[Vec<u8>],
    import: &(dyn Fn(&Path) -> Vec<String> + Sync),
) -> usize {
    let dir = targets[0].path("mutants");
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<PathBuf> = mutants
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            let path = dir.join(format!("{i:02}-{seed_name}"));
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect();
    let read = std::sync::atomic::AtomicUsize::new(0);
    let read = &read;
    std::thread::scope(|scope| {
        for (t, half) in targets.iter().zip(files.chunks(files.len().div_ceil(2))) {
            scope.spawn(move || {
                for path in half {
                    let args = import(path);
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    match run_bounded(t, &format!("mutant {} of {seed_name} (seed {seed})", path.display()), &args) {
                        None => _ = read.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                        Some(refusal) => {
                            // A refusal naming a row came past the parser, to the checks of values.
                            if refusal.contains(" row ") {
                                read.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            }
                            eprintln!("{seed_name}: {refusal}");
                        }
                    }
                }
            });
        }
    });
    let read = read.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("{seed_name}: {read} of {} mutants read or refused for a value in a row", files.len());
    read
}

/// A JSON document with values changed where the reader must check them rather than its parser:
/// a field set to a value of another type, a huge number, a long string, a bad time, an id that
/// refers to nothing, or removed.
fn mutate_json(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    use serde_json::Value;
    let Ok(mut doc) = serde_json::from_slice::<Value>(bytes) else { return mutate(bytes, rng) };
    /// The JSON pointer of every object in `v`.
    fn objects(v: &Value, at: &str, out: &mut Vec<String>) {
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    objects(item, &format!("{at}/{i}"), out);
                }
            }
            Value::Object(map) => {
                out.push(at.to_owned());
                for (key, child) in map {
                    objects(child, &format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")), out);
                }
            }
            _ => {}
        }
    }
    for _ in 0..=rng.below(3) {
        let mut found = Vec::new();
        objects(&doc, "", &mut found);
        if found.is_empty() {
            break;
        }
        let pointer = found[rng.below(found.len())].clone();
        let Some(Value::Object(map)) = doc.pointer_mut(&pointer) else { continue };
        let keys: Vec<String> = map.keys().cloned().collect();
        if keys.is_empty() {
            continue;
        }
        let key = keys[rng.below(keys.len())].clone();
        let values = [
            Value::Null,
            Value::from(-1),
            Value::from(i64::MAX),
            Value::from(u64::MAX),
            Value::from(1e308),
            Value::from(""),
            Value::from("not a time"),
            Value::from("9999-99-99T99:99:99Z"),
            Value::from("x".repeat(100_000)),
            Value::from(true),
            Value::Array(vec![Value::from(1), Value::Null]),
            serde_json::json!({ "nested": [{}] }),
            Value::from(987_654_321),
        ];
        if rng.below(8) == 0 {
            map.remove(&key);
        } else {
            map.insert(key, values[rng.below(values.len())].clone());
        }
    }
    serde_json::to_vec(&doc).unwrap()
}

/// Mutants of a file: its bytes mutated, or for a zip (an .xlsx) one of its parts mutated and
/// the archive written again, so that the mutation reaches the XML reader rather than the CRC.
fn mutants_of(bytes: &[u8], seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng(seed);
    (0..MUTANTS)
        .map(|i| {
            if bytes.starts_with(b"PK") && i % 4 != 0 {
                mutate_zip_part(bytes, &mut rng)
            } else {
                mutate(bytes, &mut rng)
            }
        })
        .collect()
}

fn mutate_zip_part(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let victim = rng.below(archive.len());
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if i == victim {
            data = mutate(&data, rng);
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn every_file_reader_survives_mutated_files_within_a_memory_and_time_limit() {
    let targets = [TempNotebook::new(), TempNotebook::new()];
    for t in &targets {
        t.ok(&["customer", "add", "--name", "张伟", "--phone", "13800138000"]);
    }
    let source = TempNotebook::new();
    crate::backup::fill(&mut source.open());
    let json = source.path("export.json");
    source.ok(&["export", "--format", "json", "--output", &json.display().to_string()]);
    let mut seeds: Vec<(String, Vec<u8>)> = [
        "ledger.xlsx",
        "ledger.xls",
        "ledger-gbk.csv",
        "ledger-utf16.txt",
        "google-contacts.csv",
        "android-2.1.vcf",
        "charsets-2.1.vcf",
        "ios-3.0.vcf",
        "contacts-4.0.vcf",
    ]
    .iter()
    .map(|name| (name.to_string(), std::fs::read(fixture(name)).unwrap()))
    .collect();
    seeds.push(("export.json".into(), std::fs::read(&json).unwrap()));
    for (i, (name, bytes)) in seeds.iter().enumerate() {
        let seed = 0x6b65_6875_0000 + i as u64;
        let format = match name.rsplit('.').next().unwrap() {
            "xls" => "xlsx",
            "txt" => "csv",
            "vcf" => "vcard",
            other => other,
        }
        .to_owned();
        // The format is given: the reader of that format is what each mutant tests.
        let import = move |path: &Path| -> Vec<String> {
            ["import", &path.display().to_string(), "--format", &format, "--dry-run"].map(String::from).to_vec()
        };
        let read = fuzz_reader(&targets, name, seed, &mutants_of(bytes, seed), &import);
        // Mutants that all fail at the first byte would test nothing past it.
        assert!(read > 0, "{name}: none of {MUTANTS} got past the parser");
    }
}

#[test]
fn the_package_reader_survives_mutated_parts_within_a_memory_and_time_limit() {
    let (source, pw, handover) = filled_with_a_handover();
    let targets = [TempNotebook::new(), TempNotebook::new()];
    let mut rng = Rng(0x6b65_6875_7061_636b);
    let mut packages = Vec::new();
    for i in 0..MUTANTS {
        let out = source.path(&format!("mutant-{i}.age"));
        // One part mutated per package (sometimes several), its manifest entry made to match.
        let pick = rng.next();
        repack(&handover, &out, PACKAGE_PASSWORD, |rel, data| {
            let h = rel.bytes().fold(pick, |h, b| h.rotate_left(5) ^ u64::from(b));
            match h % 6 {
                0 => mutate(&data, &mut Rng(h | 1)),
                1 | 2 if rel.ends_with(".json") => mutate_json(&data, &mut Rng(h | 1)),
                _ => data,
            }
        });
        packages.push(std::fs::read(&out).unwrap());
    }
    let import = move |path: &Path| -> Vec<String> {
        ["handover", "import", &path.display().to_string(), "--backup-password-file", &pw, "--dry-run"]
            .map(String::from)
            .to_vec()
    };
    let read = fuzz_reader(&targets, "handover.age", 0x6b65_6875_7061_636b, &packages, &import);
    assert!(read > 0, "none of {MUTANTS} packages got past the parser");
}

/// 700 KB of .xlsx whose one cell unpacks to 700 MB (what calamine would hold whole): refused
/// under the memory limit, which it used to abort at.
#[test]
fn a_workbook_that_unpacks_to_a_huge_cell_is_refused_within_the_memory_limit() {
    let targets = [TempNotebook::new(), TempNotebook::new()];
    let bomb = targets[0].path("bomb.xlsx");
    let script = r#"
import sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        if item.filename != "xl/worksheets/sheet1.xml":
            zout.writestr(item, zin.read(item.filename))
            continue
        with zout.open(item.filename, "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>company</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Ada</t></is></c><c r="B2" t="inlineStr"><is><t>')
            chunk = b"a" * (1 << 20)
            for _ in range(700):
                f.write(chunk)
            f.write(b"</t></is></c></row></sheetData></worksheet>")
"#;
    let made = Command::new("python3").args(["-c", script]).arg(fixture("ledger.xlsx")).arg(&bomb).status().unwrap();
    assert!(made.success());
    assert!(std::fs::metadata(&bomb).unwrap().len() < 2 << 20, "the bomb is small");
    let refusal = run_bounded(&targets[0], "the zip bomb", &["import", &bomb.display().to_string(), "--dry-run"]);
    let refusal = refusal.expect("refused");
    assert!(refusal.contains("bomb.xlsx") && refusal.contains("32 767"), "{refusal}");
}
