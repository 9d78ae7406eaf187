//! `kehu tag|note|interaction|task|complaint|secret|attach|template|history|log`: the records
//! that hang off a customer, each a short adapter over one or two core calls.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use kehu::store::{
    ComplaintStatus, InteractionKind, NewInteraction, NewNote, NewTask, Task, TaskFilter, TemplateField, TemplateKind,
};
use zeroize::Zeroizing;

use super::Ctx;
use super::output::{due, local};

pub(crate) fn time_arg(s: &str) -> Result<DateTime<Utc>, String> {
    kehu::clock::parse_user_time(s).ok_or_else(|| format!("'{s}' is not a time (use YYYY-MM-DD or YYYY-MM-DD HH:MM)"))
}

/// Reads a text argument given as a file, `-` meaning standard input unless it carries the password.
fn read_text(ctx: &Ctx, path: &Path) -> Result<String> {
    if path == Path::new("-") {
        if ctx.password.uses_stdin() {
            bail!(kehu::Error::Invalid("standard input already carries the password; use a file".into()));
        }
        let bytes = kehu::limits::read_limited(std::io::stdin(), kehu::limits::MAX_TEXT_BYTES, "standard input")
            .context("reading standard input")?;
        return String::from_utf8(bytes).context("standard input is not UTF-8 text");
    }
    kehu::limits::read_text_file(path, kehu::limits::MAX_TEXT_BYTES)
        .with_context(|| format!("reading {}", path.display()))
}

#[derive(Debug, Subcommand)]
pub(crate) enum TagCommand {
    /// Every tag in use, with its number of customers
    List,
}

pub(crate) fn tag(ctx: &Ctx, command: &TagCommand) -> Result<()> {
    let TagCommand::List = command;
    let tags = ctx.open()?.tags()?;
    if ctx.out.json {
        let rows: Vec<_> =
            tags.iter().map(|(name, count)| serde_json::json!({ "name": name, "count": count })).collect();
        ctx.out.json(&rows);
    } else {
        tags.iter().for_each(|(name, count)| say!("{name}\t{count}"));
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub(crate) enum NoteCommand {
    /// Add a note to a customer (markdown); prints the new id on the last line
    Add {
        customer: i64,
        /// The note's text
        #[arg(long, conflicts_with = "file")]
        text: Option<String>,
        /// Read the note from a file (`-` for standard input)
        #[arg(long)]
        file: Option<PathBuf>,
        /// A note template (沟通记录, 需求分析, 跟进计划, 拜访记录, …); alone, its text is the note
        #[arg(long)]
        template: Option<String>,
        /// When it happened (default: now)
        #[arg(long, value_parser = time_arg)]
        at: Option<DateTime<Utc>>,
    },
    /// A customer's notes, newest first
    List { customer: i64 },
}

pub(crate) fn note(ctx: &Ctx, command: NoteCommand) -> Result<()> {
    match command {
        NoteCommand::Add { customer, text, file, template, at } => {
            let body = match (&text, &file) {
                (Some(text), _) => Some(text.clone()),
                (None, Some(path)) => Some(read_text(ctx, path)?),
                (None, None) if template.is_some() => None,
                (None, None) => bail!(kehu::Error::Invalid("give the note with --text, --file or --template".into())),
            };
            let id = ctx.open()?.add_note(&NewNote { customer_id: customer, body, template, at })?;
            ctx.out.done(ctx.out.t("已添加记录", "note added"), Some(id));
        }
        NoteCommand::List { customer } => {
            let notes = ctx.open()?.notes(customer)?;
            if ctx.out.json {
                ctx.out.json(&notes);
            } else {
                for n in &notes {
                    say!("#{} {} {}\n{}\n", n.id, local(&n.at), n.template.as_deref().unwrap_or(""), n.body.trim_end());
                }
            }
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub(crate) enum InteractionCommand {
    /// Record a call, email, meeting, visit or WeChat exchange; prints the new id last
    Add {
        customer: i64,
        /// call | email | meeting | visit | wechat | other (or 电话 / 邮件 / 会议 / 拜访 / 微信 / 其他)
        #[arg(long)]
        kind: InteractionKind,
        #[arg(long)]
        summary: String,
        #[arg(long)]
        outcome: Option<String>,
        /// When it happened (default: now)
        #[arg(long, value_parser = time_arg)]
        at: Option<DateTime<Utc>>,
        /// The open task of this customer the contact settles (marked done with it)
        #[arg(long, value_name = "TASK")]
        closes_task: Option<i64>,
    },
    /// A customer's interactions, newest first
    List { customer: i64 },
}

pub(crate) fn interaction(ctx: &Ctx, command: InteractionCommand) -> Result<()> {
    match command {
        InteractionCommand::Add { customer, kind, summary, outcome, at, closes_task } => {
            let new = NewInteraction { customer_id: customer, kind, summary, outcome, at, closes_task };
            let id = ctx.open()?.add_interaction(&new)?;
            ctx.out.done(ctx.out.t("已记录互动", "interaction added"), Some(id));
        }
        InteractionCommand::List { customer } => {
            let rows = ctx.open()?.interactions(customer)?;
            if ctx.out.json {
                ctx.out.json(&rows);
            } else {
                for i in &rows {
                    let outcome = i.outcome.as_deref().unwrap_or("");
                    say!("#{}\t{}\t{}\t{}\t{outcome}", i.id, local(&i.at), i.kind.label(ctx.out.lang), i.summary);
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn due_arg(s: &str) -> Result<(DateTime<Utc>, bool), String> {
    kehu::clock::parse_user_due(s)
        .ok_or_else(|| format!("'{s}' is not a date or time (use YYYY-MM-DD or YYYY-MM-DD HH:MM)"))
}

#[derive(Debug, Subcommand)]
pub(crate) enum TaskCommand {
    /// Add a task; prints the new id on the last line
    Add {
        #[arg(long)]
        title: String,
        /// The customer it concerns
        #[arg(long)]
        customer: Option<i64>,
        /// Due date (the whole day) or date and time
        #[arg(long, value_parser = due_arg)]
        due: Option<(DateTime<Utc>, bool)>,
    },
    /// Open tasks by due time
    List {
        #[arg(long)]
        customer: Option<i64>,
        /// Include tasks already done
        #[arg(long)]
        all: bool,
    },
    /// Mark a task done
    Done { id: i64 },
    /// Put a task out of the agenda until a later date or time, when it is reminded again
    Snooze {
        id: i64,
        #[arg(long, value_parser = time_arg)]
        until: DateTime<Utc>,
    },
}

pub(crate) fn task(ctx: &Ctx, command: TaskCommand) -> Result<()> {
    match command {
        TaskCommand::Add { title, customer, due } => {
            let new =
                NewTask { customer_id: customer, title, due: due.map(|d| d.0), all_day: due.is_some_and(|d| d.1) };
            let id = ctx.open()?.add_task(&new)?;
            ctx.out.done(ctx.out.t("已添加任务", "task added"), Some(id));
        }
        TaskCommand::List { customer, all } => {
            let tasks = ctx.open()?.tasks(&TaskFilter { customer_id: customer, include_done: all })?;
            if ctx.out.json {
                ctx.out.json(&tasks);
            } else {
                for t in &tasks {
                    say!("{}", task_line(ctx, t));
                }
            }
        }
        TaskCommand::Done { id } => {
            ctx.open()?.complete_task(id)?;
            ctx.out.done(ctx.out.t("任务已完成", "task done"), None);
        }
        TaskCommand::Snooze { id, until } => {
            ctx.open()?.snooze_task(id, until)?;
            ctx.out.done(ctx.out.t("任务已推迟", "task snoozed"), None);
        }
    }
    Ok(())
}

/// One task as a line: done mark, id, due (a date for a whole-day task), title, customer.
pub(crate) fn task_line(ctx: &Ctx, t: &Task) -> String {
    let mark = if t.done_at.is_some() { "x" } else { " " };
    let due = due(t);
    let snoozed = t
        .snoozed_until
        .map(|s| format!(" ({} {})", ctx.out.t("推迟至", "snoozed until"), local(&s)))
        .unwrap_or_default();
    format!("[{mark}] #{}\t{due}\t{}{snoozed}\t{}", t.id, t.title, t.customer_name.as_deref().unwrap_or(""))
}

#[derive(Debug, Subcommand)]
pub(crate) enum ComplaintCommand {
    /// Open a complaint; prints the new id on the last line
    Add {
        customer: i64,
        #[arg(long)]
        title: String,
        #[arg(long)]
        detail: Option<String>,
    },
    /// Move a complaint to open | handling | resolved (待处理 / 处理中 / 已解决)
    Status { id: i64, status: ComplaintStatus },
    /// Complaints, open ones first
    List {
        #[arg(long)]
        customer: Option<i64>,
    },
}

pub(crate) fn complaint(ctx: &Ctx, command: ComplaintCommand) -> Result<()> {
    match command {
        ComplaintCommand::Add { customer, title, detail } => {
            let id = ctx.open()?.add_complaint(customer, &title, detail.as_deref())?;
            ctx.out.done(ctx.out.t("已登记投诉", "complaint opened"), Some(id));
        }
        ComplaintCommand::Status { id, status } => {
            ctx.open()?.set_complaint_status(id, status)?;
            ctx.out.done(ctx.out.t("投诉状态已更新", "complaint updated"), None);
        }
        ComplaintCommand::List { customer } => {
            let rows = ctx.open()?.complaints(customer)?;
            if ctx.out.json {
                ctx.out.json(&rows);
            } else {
                for c in &rows {
                    say!("#{}\t{}\t{}\t{}", c.id, c.status.label(ctx.out.lang), local(&c.opened_at), c.title);
                }
            }
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub(crate) enum SecretCommand {
    /// Store a portal credential; the password is read from a file, stdin or a prompt
    Add {
        customer: i64,
        #[arg(long)]
        label: String,
        #[arg(long)]
        username: Option<String>,
        #[arg(long)]
        url: Option<String>,
        /// Read the credential's password from the first line of this file (`-`: stdin)
        #[arg(long, value_name = "F")]
        secret_file: Option<PathBuf>,
    },
    /// A customer's credentials, without passwords
    List { customer: i64 },
    /// Reveal one credential, password included (logged)
    Show { id: i64 },
}

pub(crate) fn secret(ctx: &Ctx, command: SecretCommand) -> Result<()> {
    match command {
        SecretCommand::Add { customer, label, username, url, secret_file } => {
            let password = match &secret_file {
                Some(path) => Zeroizing::new(read_text(ctx, path)?.lines().next().unwrap_or_default().to_owned()),
                None if std::io::stdin().is_terminal() => {
                    Zeroizing::new(rpassword::prompt_password("凭据密码 / Credential password: ")?)
                }
                None => bail!(kehu::Error::Invalid("give the credential's password with --secret-file F".into())),
            };
            let mut notebook = ctx.open()?;
            let id = notebook.add_secret(&kehu::store::NewSecret {
                customer_id: customer,
                label: &label,
                username: username.as_deref(),
                url: url.as_deref(),
                password: &password,
            })?;
            ctx.out.done(ctx.out.t("已保存凭据", "credential saved"), Some(id));
        }
        SecretCommand::List { customer } => {
            let rows = ctx.open()?.secrets(customer)?;
            if ctx.out.json {
                ctx.out.json(&rows);
            } else {
                for s in &rows {
                    say!(
                        "#{}\t{}\t{}\t{}",
                        s.id,
                        s.label,
                        s.username.as_deref().unwrap_or(""),
                        s.url.as_deref().unwrap_or("")
                    );
                }
            }
        }
        SecretCommand::Show { id } => {
            let secret = ctx.open()?.reveal_secret(id)?;
            if ctx.out.json {
                ctx.out.json(&secret);
            } else {
                let s = &secret.summary;
                say!(
                    "{}\n{}\n{}\n{}",
                    s.label,
                    s.username.as_deref().unwrap_or(""),
                    s.url.as_deref().unwrap_or(""),
                    secret.password.as_str()
                );
            }
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub(crate) enum AttachCommand {
    /// Keep a file with a customer (stored encrypted in the notebook); prints the new id last
    Add {
        customer: i64,
        file: PathBuf,
        /// The name to keep (default: the file's name)
        #[arg(long)]
        name: Option<String>,
        /// The media type (default: guessed from the name)
        #[arg(long)]
        mime: Option<String>,
    },
    /// A customer's attachments
    List { customer: i64 },
    /// Write an attachment out to a file (logged as an export)
    Get {
        id: i64,
        #[arg(long, short)]
        output: PathBuf,
        /// Replace the output file if it exists
        #[arg(long)]
        force: bool,
    },
}

pub(crate) fn attach(ctx: &Ctx, command: AttachCommand) -> Result<()> {
    match command {
        AttachCommand::Add { customer, file, name, mime } => {
            let data = kehu::limits::read_file(&file, kehu::store::MAX_ATTACHMENT_BYTES as u64)
                .with_context(|| format!("reading {}", file.display()))?;
            let name =
                name.unwrap_or_else(|| file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
            let mime = mime.unwrap_or_else(|| kehu::store::guess_mime(&name));
            let id = ctx.open()?.add_attachment(customer, &name, &mime, &data)?;
            ctx.out.done(ctx.out.t("已添加附件", "attachment added"), Some(id));
        }
        AttachCommand::List { customer } => {
            let rows = ctx.open()?.attachments(customer)?;
            if ctx.out.json {
                ctx.out.json(&rows);
            } else {
                rows.iter().for_each(|a| say!("#{}\t{}\t{}\t{}", a.id, a.name, a.mime, a.size));
            }
        }
        AttachCommand::Get { id, output, force } => {
            let (_, data) = ctx.open()?.attachment_data(id)?;
            let existing = if force { kehu::files::Existing::Replace } else { kehu::files::Existing::Keep };
            kehu::files::save(&output, &data, existing).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    kehu::Error::Invalid(format!("{} exists; pass --force to replace it", output.display())).into()
                } else {
                    anyhow::Error::new(e).context(format!("writing {}", output.display()))
                }
            })?;
            ctx.out.done(&format!("{} {}", ctx.out.t("已写出", "written to"), output.display()), None);
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub(crate) enum TemplateCommand {
    /// Templates, those of your language first
    List {
        #[arg(long)]
        kind: Option<TemplateKind>,
    },
    /// One template with its fields or text
    Show {
        name: String,
        #[arg(long, default_value = "note")]
        kind: TemplateKind,
    },
    /// Add or replace a template
    Save {
        name: String,
        #[arg(long)]
        kind: TemplateKind,
        #[arg(long, default_value = "")]
        description: String,
        /// A note template's text, from a file (`-`: stdin)
        #[arg(long)]
        file: Option<PathBuf>,
        /// A customer template's custom field (repeatable)
        #[arg(long = "field", value_name = "NAME")]
        fields: Vec<String>,
    },
    /// Remove a template
    Remove {
        name: String,
        #[arg(long)]
        kind: TemplateKind,
    },
}

pub(crate) fn template(ctx: &Ctx, command: TemplateCommand) -> Result<()> {
    match command {
        TemplateCommand::List { kind } => {
            let rows = ctx.open()?.templates(kind, ctx.out.lang)?;
            if ctx.out.json {
                ctx.out.json(&rows);
            } else {
                rows.iter().for_each(|t| say!("{}\t{}\t{}\t{}", t.kind, t.language, t.name, t.description));
            }
        }
        TemplateCommand::Show { name, kind } => {
            let t = ctx.open()?.template(kind, &name)?;
            if ctx.out.json {
                ctx.out.json(&t);
            } else {
                say!("{} ({}, {})\n{}", t.name, t.kind, t.language, t.description);
                t.fields.iter().for_each(|f| say!("- {} {}", f.name, f.hint));
                say_part!("{}", t.body);
            }
        }
        TemplateCommand::Save { name, kind, description, file, fields } => {
            let body = file.map(|f| read_text(ctx, &f)).transpose()?.unwrap_or_default();
            let fields: Vec<_> = fields.into_iter().map(|name| TemplateField { name, hint: String::new() }).collect();
            let id = ctx.open()?.save_template(&kehu::store::NewTemplate {
                kind,
                name: &name,
                language: ctx.out.lang,
                description: &description,
                fields: &fields,
                body: &body,
            })?;
            ctx.out.done(ctx.out.t("模板已保存", "template saved"), Some(id));
        }
        TemplateCommand::Remove { name, kind } => {
            ctx.open()?.delete_template(kind, &name)?;
            ctx.out.done(ctx.out.t("模板已删除", "template removed"), None);
        }
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub(crate) struct HistoryArgs {
    customer: i64,
    /// Put back the value this history entry replaced
    #[arg(long, value_name = "ENTRY")]
    restore: Option<i64>,
}

pub(crate) fn history(ctx: &Ctx, args: &HistoryArgs) -> Result<()> {
    let mut notebook = ctx.open()?;
    if let Some(entry) = args.restore {
        let belongs = notebook.history(args.customer)?.iter().any(|h| h.id == entry);
        if !belongs {
            bail!(kehu::store::StoreError::NotFound {
                kind: "history entry",
                id: format!("{entry} of customer {}", args.customer)
            });
        }
        notebook.restore_history(entry)?;
        ctx.out.done(ctx.out.t("已恢复旧值", "old value restored"), None);
        return Ok(());
    }
    let rows = notebook.history(args.customer)?;
    if ctx.out.json {
        ctx.out.json(&rows);
    } else {
        for h in &rows {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "∅".into());
            say!("#{}\t{}\t{}\t{} → {}", h.id, local(&h.at), h.path, show(&h.old), show(&h.new));
        }
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub(crate) struct LogArgs {
    /// `verify`: check the hash chain (same as --verify)
    #[arg(value_parser = ["verify"])]
    action: Option<String>,
    /// How many entries, newest first
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Check the hash chain instead of listing
    #[arg(long)]
    verify: bool,
}

pub(crate) fn log(ctx: &Ctx, args: &LogArgs) -> Result<()> {
    let notebook = ctx.open()?;
    if args.verify || args.action.is_some() {
        let broken = notebook.verify_access_log()?;
        // Entries lost with the WAL leave a chain that holds: the loss is said instead.
        let lost = notebook.lost_writes()?;
        if ctx.out.json {
            ctx.out.json(&serde_json::json!({ "ok": broken.is_none() && lost.is_empty(), "first_bad_entry": broken, "lost": lost }));
        }
        if let Some(id) = broken {
            bail!(kehu::store::StoreError::Corrupt(format!(
                "the access log was altered, or entries removed, at entry {id}"
            )));
        }
        if let Some(first) = lost.first() {
            bail!(kehu::store::StoreError::Corrupt(format!(
                "entries may be missing from the access log: {first} (kehu check --repair acknowledges it)"
            )));
        }
        if !ctx.out.json {
            say!("ok: {}", ctx.out.t("访问日志完整", "the access log is intact"));
        }
        return Ok(());
    }
    let rows = notebook.access_log(args.limit)?;
    if ctx.out.json {
        ctx.out.json(&rows);
    } else {
        rows.iter().for_each(|e| say!("#{}\t{}\t{}\t{}", e.id, local(&e.at), e.event.label(ctx.out.lang), e.detail));
    }
    Ok(())
}
