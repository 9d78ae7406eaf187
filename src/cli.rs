//! The CLI adapter: clap definitions and dispatch. Every command is a few lines that read
//! arguments, call the core API once or twice, and print; no rule about customers lives here.

/// `println!` for everything the CLI prints: see [`output::write`].
macro_rules! say {
    () => { $crate::cli::output::write("", true) };
    ($($arg:tt)*) => { $crate::cli::output::write(&format!($($arg)*), true) };
}

/// `print!` through [`output::write`].
macro_rules! say_part {
    ($($arg:tt)*) => { $crate::cli::output::write(&format!($($arg)*), false) };
}

mod agenda;
mod backup;
mod customer;
mod interop;
mod output;
mod password;
mod records;
mod search;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use kehu::vault::KdfParams;
use kehu::{ErrorCode, Notebook};

use output::Out;
use password::PasswordSource;

/// 客户本 — an encrypted, local-first customer notebook.
#[derive(Debug, Parser)]
#[command(name = "kehu", version, about, max_term_width = 100)]
pub struct Args {
    /// The notebook folder [default: $XDG_DATA_HOME/kehu/default]
    #[arg(long, global = true, env = "KEHU_NOTEBOOK", value_name = "DIR")]
    notebook: Option<PathBuf>,
    /// Read the master password from the first line of this file
    #[arg(long, global = true, value_name = "F", conflicts_with = "password_stdin")]
    password_file: Option<PathBuf>,
    /// Read the master password from the first line of standard input
    #[arg(long, global = true)]
    password_stdin: bool,
    /// Print stable JSON instead of text
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new notebook
    Init(InitArgs),
    /// Check the database's integrity (page authentication and structure) and that every
    /// stored value reads
    Check(CheckArgs),
    /// Change the master password (rewraps the data key; the database is not rewritten)
    Passwd(PasswdArgs),
    /// Customers: add, show, list, edit, erase
    #[command(subcommand)]
    Customer(Box<customer::CustomerCommand>),
    /// Tags in use
    #[command(subcommand)]
    Tag(records::TagCommand),
    /// Notes on a customer
    #[command(subcommand)]
    Note(records::NoteCommand),
    /// Interactions: calls, meetings, visits…
    #[command(subcommand)]
    Interaction(records::InteractionCommand),
    /// Tasks and follow-ups
    #[command(subcommand)]
    Task(records::TaskCommand),
    /// Complaints and their status
    #[command(subcommand)]
    Complaint(records::ComplaintCommand),
    /// Today: overdue and coming follow-ups, birthdays and anniversaries, review queue, complaints
    Agenda(agenda::AgendaArgs),
    /// The dashboard's figures (customers by grade, stage…, new per month, interactions per week)
    Report(agenda::ReportArgs),
    /// How many days each grade may go without contact before it is due for review
    Review(agenda::ReviewArgs),
    /// Customer portal credentials
    #[command(subcommand)]
    Secret(records::SecretCommand),
    /// Files kept with a customer
    #[command(subcommand, name = "attach")]
    Attach(records::AttachCommand),
    /// Customer and note templates
    #[command(subcommand)]
    Template(records::TemplateCommand),
    /// A customer's change history, and restoring an old value
    History(records::HistoryArgs),
    /// The access log (unlocks, reveals, exports, erasures)
    Log(records::LogArgs),
    /// Backups: create, verify, restore (or merge), automatic backups, recovery sheet
    #[command(subcommand)]
    Backup(backup::BackupCommand),
    /// Customer handover (客户交接): export chosen customers, import them elsewhere
    #[command(subcommand)]
    Handover(backup::HandoverCommand),
    /// Search customers, notes, interactions, complaints and templates
    Search(search::SearchArgs),
    /// Import customers from CSV (UTF-8, GBK, UTF-16), Excel (XLSX/XLS), vCard or kehu JSON
    Import(interop::ImportArgs),
    /// Export customers as CSV, XLSX, vCard or JSON
    Export(Box<interop::ExportArgs>),
    /// Saved import column mappings
    #[command(subcommand)]
    Mapping(interop::MappingCommand),
    /// Data quality: invalid values, likely duplicates, incomplete records
    Quality(interop::QualityArgs),
    /// The search index: check it against the database, or rebuild it
    #[command(subcommand)]
    Index(search::IndexCommand),
}

#[derive(Debug, clap::Args)]
struct KdfArgs {
    /// Argon2id memory in MiB (at least 64); default: calibrated to about 0.5 s on this machine
    #[arg(long, value_name = "MIB", requires_all = ["kdf_iterations", "kdf_parallelism"])]
    kdf_memory_mib: Option<u32>,
    /// Argon2id iterations (at least 3)
    #[arg(long, value_name = "N", requires = "kdf_memory_mib")]
    kdf_iterations: Option<u32>,
    /// Argon2id lanes (at least 4)
    #[arg(long, value_name = "N", requires = "kdf_memory_mib")]
    kdf_parallelism: Option<u32>,
}

impl KdfArgs {
    fn params(&self) -> Result<KdfParams> {
        Ok(match (self.kdf_memory_mib, self.kdf_iterations, self.kdf_parallelism) {
            (Some(m), Some(t), Some(p)) => {
                KdfParams::checked(m.saturating_mul(1024), t, p).map_err(kehu::Error::from)?
            }
            _ => KdfParams::calibrated_default(),
        })
    }
}

#[derive(Debug, clap::Args)]
struct InitArgs {
    #[command(flatten)]
    kdf: KdfArgs,
}

#[derive(Debug, clap::Args)]
struct PasswdArgs {
    /// Read the new password from the first line of this file (else prompted twice)
    #[arg(long, value_name = "F")]
    new_password_file: Option<PathBuf>,
    #[command(flatten)]
    kdf: KdfArgs,
}

/// What every command gets: where the notebook is, how to get the password, how to print.
pub(crate) struct Ctx {
    pub dir: PathBuf,
    pub password: PasswordSource,
    pub out: Out,
}

impl Ctx {
    pub fn open(&self) -> Result<Notebook> {
        let password = self.password.read("主密码 / Master password: ")?;
        Notebook::open(&self.dir, password.as_bytes()).map_err(Into::into)
    }
}

pub fn run(args: Args) -> Result<()> {
    let dir = match args.notebook {
        Some(dir) => dir,
        None => kehu::default_notebook_dir().context("cannot find a data folder; pass --notebook DIR")?,
    };
    if args.password_file.is_some() && args.password_stdin {
        // clap cannot check conflicts between global options given on either side of a subcommand.
        bail!(kehu::Error::Invalid("--password-file and --password-stdin cannot be used together".into()));
    }
    let password = PasswordSource::new(args.password_file, args.password_stdin);
    let ctx = Ctx { dir, password, out: Out::new(args.json) };
    match args.command {
        Command::Init(a) => init(&ctx, &a),
        Command::Check(args) => check(&ctx, &args),
        Command::Passwd(a) => passwd(&ctx, &a),
        Command::Customer(c) => customer::run(&ctx, *c),
        Command::Tag(c) => records::tag(&ctx, &c),
        Command::Note(c) => records::note(&ctx, c),
        Command::Interaction(c) => records::interaction(&ctx, c),
        Command::Task(c) => records::task(&ctx, c),
        Command::Complaint(c) => records::complaint(&ctx, c),
        Command::Agenda(a) => agenda::agenda(&ctx, &a),
        Command::Report(a) => agenda::report(&ctx, &a),
        Command::Review(a) => agenda::review(&ctx, &a),
        Command::Secret(c) => records::secret(&ctx, c),
        Command::Attach(c) => records::attach(&ctx, c),
        Command::Template(c) => records::template(&ctx, c),
        Command::History(a) => records::history(&ctx, &a),
        Command::Log(a) => records::log(&ctx, &a),
        Command::Backup(c) => backup::backup(&ctx, c),
        Command::Handover(c) => backup::handover(&ctx, c),
        Command::Search(a) => search::search(&ctx, a),
        Command::Import(a) => interop::import(&ctx, &a),
        Command::Export(a) => interop::export(&ctx, *a),
        Command::Mapping(c) => interop::mapping(&ctx, c),
        Command::Quality(a) => interop::quality(&ctx, &a),
        Command::Index(c) => search::index(&ctx, &c),
    }
}

fn init(ctx: &Ctx, args: &InitArgs) -> Result<()> {
    let params = args.kdf.params()?;
    let password = ctx.password.read_new("新主密码 / New master password: ")?;
    let notebook = Notebook::create_for_person(&ctx.dir, &password, params)?;
    ctx.out.done(&format!("已创建笔记本 / notebook created: {}", notebook.dir().display()), None);
    Ok(())
}

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// Replace the stored times that do not read (a required one by the record's creation time,
    /// an optional one, a task's due, by none), and acknowledge changes found lost with the
    /// write-ahead log after a crash, so that check passes again
    #[arg(long)]
    repair: bool,
}

fn check(ctx: &Ctx, args: &CheckArgs) -> Result<()> {
    if args.repair {
        let kehu::NotebookRepair { repaired, acknowledged } = ctx.open()?.repair()?;
        if ctx.out.json {
            ctx.out.json(&serde_json::json!({ "repaired": repaired, "acknowledged": acknowledged }));
        } else {
            for value in &repaired {
                say!("{value}");
            }
            say!("已修复 {} 处 / {} values repaired", repaired.len(), repaired.len());
            for lost in &acknowledged {
                say!("{lost}");
            }
            if !acknowledged.is_empty() {
                say!(
                    "已确认 {} 处丢失（只能从备份找回）/ {} loss(es) acknowledged (only a backup brings them back)",
                    acknowledged.len(),
                    acknowledged.len()
                );
            }
        }
        return Ok(());
    }
    let password = ctx.password.read("主密码 / Master password: ")?;
    let problems = Notebook::open_and_check(&ctx.dir, password.as_bytes())?;
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "ok": problems.is_empty(), "problems": problems }));
    } else if problems.is_empty() {
        say!("ok: 数据库完整 / the database is sound");
    } else {
        for p in &problems {
            say!("{p}");
        }
        say!("kehu check --repair: 修复可修复的问题 / repairs what can be repaired");
    }
    if !problems.is_empty() {
        bail!(kehu::Error::Store(kehu::store::StoreError::Corrupt(format!("{} problem(s) found", problems.len()))));
    }
    Ok(())
}

fn passwd(ctx: &Ctx, args: &PasswdArgs) -> Result<()> {
    let mut notebook = ctx.open()?;
    let params = args.kdf.params()?;
    let new = match &args.new_password_file {
        Some(path) => password::from_file(path)?,
        None => password::prompt_twice("新主密码 / New master password: ")?,
    };
    notebook.change_master_password(&new, params)?;
    ctx.out.done("主密码已更改 / master password changed", None);
    Ok(())
}

/// The first line of the error chain that says what went wrong, with its causes.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut line = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !line.contains(&cause) {
            line.push_str(": ");
            line.push_str(&cause);
        }
    }
    if let Some(hint) = e.chain().find_map(|c| c.downcast_ref::<kehu::Error>()).and_then(hint) {
        line.push_str(" (");
        line.push_str(hint);
        line.push(')');
    }
    line.replace('\n', " ")
}

/// What the CLI adds to a core error about its own flags (the core names none).
fn hint(e: &kehu::Error) -> Option<&'static str> {
    match e.detail()? {
        kehu::ErrorDetail::Unreadable { why: kehu::interop::WhyUnreadable::NotText, .. } => {
            Some("--encoding gbk, utf-8, utf-16, big5 … reads it in another encoding")
        }
        kehu::ErrorDetail::Rejected { .. } => Some("without --reject-invalid, such rows are imported, flagged"),
        _ => None,
    }
}

/// Exit statuses, documented in the README: 1 other, 2 usage, 3 wrong password, 4 in use,
/// 5 not found, 6 invalid input, 7 no notebook, 8 damaged or too new, 9 already exists.
pub fn exit_status(e: &anyhow::Error) -> u8 {
    let code = e.chain().find_map(|c| {
        c.downcast_ref::<kehu::Error>()
            .map(kehu::Error::code)
            .or_else(|| c.downcast_ref::<kehu::store::StoreError>().map(kehu::store::StoreError::code))
            .or_else(|| c.downcast_ref::<kehu::vault::VaultError>().map(kehu::vault::VaultError::code))
            .or_else(|| c.downcast_ref::<kehu::interop::InteropError>().map(kehu::interop::InteropError::code))
    });
    let Some(code) = code else { return 1 };
    match code {
        ErrorCode::WrongPassword => 3,
        ErrorCode::InUse => 4,
        ErrorCode::NotFound => 5,
        ErrorCode::Invalid => 6,
        ErrorCode::NoNotebook => 7,
        ErrorCode::Corrupt | ErrorCode::SchemaTooNew => 8,
        ErrorCode::AlreadyExists => 9,
        // The CLI opens the notebook for each command; only the desktop session is ever locked.
        ErrorCode::Io | ErrorCode::Internal | ErrorCode::Locked => 1,
    }
}
