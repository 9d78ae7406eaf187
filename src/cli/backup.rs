//! `kehu backup …` and `kehu handover …`: adapters over `kehu::backup`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use kehu::backup::{self, BackupOptions, HandoverSelection, ImportAction, Package, Redaction};
use kehu::store::Grade;
use kehu::vault::KdfParams;
use zeroize::Zeroizing;

use super::Ctx;
use super::output::local;
use super::password::{self, PasswordSource};

#[derive(Debug, Subcommand)]
pub(crate) enum BackupCommand {
    /// Write an encrypted backup (age format) of the whole notebook
    Create {
        #[arg(long, short)]
        output: PathBuf,
        #[command(flatten)]
        pw: BackupPassword,
    },
    /// Decrypt a backup and check every file against its manifest
    Verify {
        file: PathBuf,
        #[command(flatten)]
        pw: BackupPassword,
    },
    /// Restore a backup as a new notebook (--notebook), or merge it into an existing one
    Restore {
        file: PathBuf,
        #[command(flatten)]
        pw: BackupPassword,
        /// Merge the backup's customers into the existing notebook (duplicates found and merged)
        #[arg(long)]
        merge: bool,
        #[command(flatten)]
        merge_args: MergeArgs,
    },
    /// Back up into the backup folder with the notebook's backup password, verify, rotate
    Auto {
        #[command(flatten)]
        folder: FolderArgs,
        /// Backups to keep besides one per month
        #[arg(long, default_value_t = 10)]
        keep: usize,
    },
    /// List the backups in the backup folder
    List {
        #[command(flatten)]
        folder: FolderArgs,
    },
    /// The last backup into the folder, and whether it worked
    Status,
    /// Set the password automatic backups are encrypted with (or --clear it)
    Password {
        #[command(flatten)]
        pw: BackupPassword,
        #[arg(long)]
        clear: bool,
    },
    /// Write the printable recovery sheet (HTML): where the backups are and how to open them
    Sheet {
        #[arg(long, short)]
        output: PathBuf,
        #[command(flatten)]
        folder: FolderArgs,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct BackupPassword {
    /// Read the backup password from the first line of this file (else prompted)
    #[arg(long, value_name = "F")]
    backup_password_file: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct FolderArgs {
    /// The backup folder [default: $XDG_DATA_HOME/kehu/backups]
    #[arg(long, value_name = "DIR")]
    folder: Option<PathBuf>,
}

impl FolderArgs {
    fn resolve(&self) -> Result<PathBuf> {
        match &self.folder {
            Some(f) => Ok(f.clone()),
            None => backup::default_backup_folder().context("cannot find a data folder; pass --folder DIR"),
        }
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct MergeArgs {
    /// What to do with a customer the notebook already has: merge | skip | add (keep both;
    /// also keep-both)
    #[arg(long, default_value = "merge", value_parser = str::parse::<ImportAction>)]
    on_duplicate: ImportAction,
    /// When merging, take every differing field from the package (default: only fields the
    /// notebook leaves empty)
    #[arg(long)]
    prefer_theirs: bool,
    /// Show what would happen; change nothing
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum HandoverCommand {
    /// Export chosen customers as an encrypted package for another notebook (客户交接)
    Export {
        #[arg(long, short)]
        output: PathBuf,
        /// A customer by id (repeatable)
        #[arg(long = "customer", value_name = "ID")]
        customers: Vec<i64>,
        /// Every customer with this tag (repeatable)
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Every customer of this grade (repeatable)
        #[arg(long = "grade")]
        grades: Vec<Grade>,
        /// Mask phone numbers and email addresses
        #[arg(long)]
        mask_contacts: bool,
        /// Leave out every credential
        #[arg(long)]
        no_secrets: bool,
        /// Leave out this note (repeatable)
        #[arg(long = "omit-note", value_name = "ID")]
        omit_notes: Vec<i64>,
        #[command(flatten)]
        pw: BackupPassword,
    },
    /// Import a handover package: new customers added, duplicates merged as chosen
    Import {
        file: PathBuf,
        #[command(flatten)]
        pw: BackupPassword,
        #[command(flatten)]
        merge_args: MergeArgs,
    },
}

fn backup_password(pw: &BackupPassword, ctx: &Ctx, new: bool) -> Result<Zeroizing<String>> {
    let prompt = "备份密码 / Backup password: ";
    match &pw.backup_password_file {
        Some(path) => password::from_file(path),
        None if ctx.password.uses_stdin() => {
            bail!(kehu::Error::Invalid(
                "standard input carries the master password: use --backup-password-file F".into()
            ))
        }
        None => {
            let terminal = PasswordSource::new(None, false);
            let read = if new { terminal.read_new(prompt) } else { terminal.read(prompt) };
            read.map_err(|_| {
                anyhow::Error::new(kehu::Error::Invalid(
                    "no backup password given: use --backup-password-file F (standard input is not a terminal)".into(),
                ))
            })
        }
    }
}

pub(crate) fn backup(ctx: &Ctx, command: BackupCommand) -> Result<()> {
    match command {
        BackupCommand::Create { output, pw } => {
            let mut notebook = ctx.open()?;
            let password = backup_password(&pw, ctx, true)?;
            let info = backup::create(&mut notebook, &output, &password, BackupOptions::default())?;
            report(ctx, &info, &format!("{} {}", ctx.out.t("已备份到", "backed up to"), output.display()));
        }
        BackupCommand::Verify { file, pw } => {
            let password = backup_password(&pw, ctx, false)?;
            let info = backup::verify(&file, &password)?;
            report(ctx, &info, &format!("ok: {} {}", file.display(), ctx.out.t("完整", "is intact")));
        }
        BackupCommand::Restore { file, pw, merge: false, merge_args: _ } => {
            let password = backup_password(&pw, ctx, false)?;
            let master = ctx.password.read_new("新笔记本的主密码 / Master password for the restored notebook: ")?;
            let info = backup::restore(&file, &password, &ctx.dir, &master, KdfParams::calibrated_default())?;
            report(ctx, &info, &format!("{} {}", ctx.out.t("已恢复到", "restored to"), ctx.dir.display()));
        }
        BackupCommand::Restore { file, pw, merge: true, merge_args } => {
            let mut notebook = ctx.open()?;
            let password = backup_password(&pw, ctx, false)?;
            import(ctx, &mut notebook, &file, &password, &merge_args)?;
        }
        BackupCommand::Auto { folder, keep } => {
            let mut notebook = ctx.open()?;
            let folder = folder.resolve()?;
            match backup::auto_backup(&mut notebook, &folder, keep, false, BackupOptions::default())? {
                backup::AutoBackupOutcome::Written(status) => {
                    if ctx.out.json {
                        ctx.out.json(&status);
                    } else {
                        say!(
                            "{} {}",
                            ctx.out.t("已备份并验证：", "backed up and verified:"),
                            status.file.unwrap_or_default()
                        );
                        for removed in status.removed {
                            say!("{} {removed}", ctx.out.t("已轮换删除", "rotated out"));
                        }
                    }
                }
                backup::AutoBackupOutcome::Unchanged | backup::AutoBackupOutcome::NotConfigured => {
                    ctx.out.done(ctx.out.t("无变化", "unchanged"), None);
                }
            }
        }
        BackupCommand::List { folder } => {
            let notebook = ctx.open()?;
            let files = backup::list_backups(&folder.resolve()?, &backup::notebook_name(&notebook))?;
            if ctx.out.json {
                ctx.out.json(&files);
            } else {
                for f in files {
                    say!("{}  {:>10}  {}", local(&f.at), human_size(f.size), f.path.display());
                }
            }
        }
        BackupCommand::Status => {
            let notebook = ctx.open()?;
            let status = backup::backup_status(&notebook)?;
            if ctx.out.json {
                ctx.out.json(&status);
            } else {
                match status {
                    None => say!("{}", ctx.out.t("尚未备份到备份文件夹", "never backed up into the backup folder")),
                    Some(s) => {
                        say!("{}  {:?}  {}", local(&s.at), s.state, s.file.or(s.message).unwrap_or_default());
                    }
                }
            }
        }
        BackupCommand::Password { pw, clear } => {
            let mut notebook = ctx.open()?;
            if clear {
                notebook.set_backup_password(None)?;
            } else {
                let password = backup_password(&pw, ctx, true)?;
                notebook.set_backup_password(Some(&password))?;
            }
            ctx.out.done(ctx.out.t("备份密码已保存", "backup password saved"), None);
        }
        BackupCommand::Sheet { output, folder } => {
            let notebook = ctx.open()?;
            let status = backup::backup_status(&notebook)?;
            let html = backup::recovery_sheet(
                ctx.out.lang,
                &backup::notebook_name(&notebook),
                &folder.resolve()?,
                status.as_ref(),
            );
            kehu::files::save(&output, html.as_bytes(), kehu::files::Existing::Replace)
                .with_context(|| format!("writing {}", output.display()))?;
            ctx.out.done(
                &format!("{} {}", ctx.out.t("已写出恢复单", "recovery sheet written to"), output.display()),
                None,
            );
        }
    }
    Ok(())
}

pub(crate) fn handover(ctx: &Ctx, command: HandoverCommand) -> Result<()> {
    match command {
        HandoverCommand::Export { output, customers, tags, grades, mask_contacts, no_secrets, omit_notes, pw } => {
            let mut notebook = ctx.open()?;
            let password = backup_password(&pw, ctx, true)?;
            let selection = HandoverSelection { customer_ids: customers, tags, grades };
            let redaction = Redaction { mask_contacts, omit_secrets: no_secrets, omit_note_ids: omit_notes };
            let info = backup::export_handover(
                &mut notebook,
                &selection,
                &redaction,
                &output,
                &password,
                BackupOptions::default(),
            )?;
            report(
                ctx,
                &info,
                &format!("{} {}", ctx.out.t("已导出交接包", "handover package written to"), output.display()),
            );
        }
        HandoverCommand::Import { file, pw, merge_args } => {
            let mut notebook = ctx.open()?;
            let password = backup_password(&pw, ctx, false)?;
            import(ctx, &mut notebook, &file, &password, &merge_args)?;
        }
    }
    Ok(())
}

fn import(ctx: &Ctx, notebook: &mut kehu::Notebook, file: &Path, password: &str, args: &MergeArgs) -> Result<()> {
    let package = Package::open(file, password)?;
    let plan = backup::plan_import(notebook, &package)?;
    let decisions = plan.decisions(args.on_duplicate, args.prefer_theirs);
    if args.dry_run {
        if ctx.out.json {
            ctx.out.json(&serde_json::json!({ "plan": plan, "decisions": decisions }));
        } else {
            for c in &plan.customers {
                match &c.duplicate {
                    None => say!("+ {} {}", c.name, c.company.as_deref().unwrap_or_default()),
                    Some(d) => say!(
                        "= {} → #{} {} ({})",
                        c.name,
                        d.existing_id,
                        d.existing_name,
                        super::interop::reason(&d.reason)
                    ),
                }
            }
        }
        return Ok(());
    }
    let report = backup::apply_import(notebook, &package, &decisions)?;
    if ctx.out.json {
        ctx.out.json(&report);
    } else {
        say!(
            "{} {}, {} {}, {} {}, {} {}",
            ctx.out.t("新增", "added"),
            report.added,
            ctx.out.t("合并", "merged"),
            report.merged,
            ctx.out.t("跳过", "skipped"),
            report.skipped,
            ctx.out.t("记录", "records"),
            report.records
        );
    }
    Ok(())
}

fn report(ctx: &Ctx, info: &backup::PackageInfo, message: &str) {
    if ctx.out.json {
        ctx.out.json(info);
        return;
    }
    say!("{message}");
    let counts: Vec<String> = info.tables.iter().filter(|(_, n)| **n > 0).map(|(t, n)| format!("{t} {n}")).collect();
    say!("{}; attachments {}; {}", counts.join(", "), info.attachments, human_size(info.size));
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}
