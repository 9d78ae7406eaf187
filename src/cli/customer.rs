//! `kehu customer …`: add, show, list, edit, erase.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Result, bail};
use clap::Subcommand;
use kehu::store::{
    Change, Colour, CompanySize, ContactKind, CustomerFilter, Field, Grade, NewContact, NewCustomer, Stage,
};

use super::Ctx;
use super::output::{due, local};

#[derive(Debug, Subcommand)]
pub(crate) enum CustomerCommand {
    /// Add a customer; prints the new id on the last line
    Add(AddArgs),
    /// Show a customer with notes, interactions, tasks, complaints, credentials, attachments
    Show { id: i64 },
    /// List customers, most recently updated first
    List(ListArgs),
    /// Change fields, tags and contact methods (an empty value clears a field)
    Edit(EditArgs),
    /// Erase a customer and every trace of it
    Erase {
        id: i64,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Merge customer OTHER into KEEP: KEEP takes OTHER's missing fields, contacts, tags and
    /// every record; OTHER is removed
    Merge { keep: i64, other: i64 },
}

#[derive(Debug, clap::Args)]
pub(crate) struct AddArgs {
    #[arg(long)]
    name: String,
    #[command(flatten)]
    profile: ProfileArgs,
    #[command(flatten)]
    contacts: ContactArgs,
    /// A tag (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// A custom field KEY=VALUE (repeatable)
    #[arg(long = "field", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    fields: Vec<(String, String)>,
}

#[derive(Debug, clap::Args)]
struct ProfileArgs {
    #[arg(long)]
    company: Option<String>,
    #[arg(long)]
    title: Option<String>,
    #[arg(long)]
    industry: Option<String>,
    /// micro | small | medium | large
    #[arg(long)]
    company_size: Option<String>,
    #[arg(long)]
    region: Option<String>,
    #[arg(long)]
    source: Option<String>,
    /// vip | normal | potential (or 重要客户 / 普通客户 / 潜在客户)
    #[arg(long)]
    grade: Option<String>,
    /// potential | active | loyal | churned (or 潜在 / 活跃 / 忠诚 / 流失)
    #[arg(long)]
    stage: Option<String>,
    /// red | orange | yellow | green | blue | purple | grey
    #[arg(long)]
    colour: Option<String>,
    /// YYYY-MM-DD, or MM-DD when the year is not known
    #[arg(long)]
    birthday: Option<String>,
    /// A customer template (大型企业, 中小企业, 初创公司, …)
    #[arg(long)]
    template: Option<String>,
}

impl ProfileArgs {
    fn changes(&self) -> Vec<(Field, &Option<String>)> {
        vec![
            (Field::Company, &self.company),
            (Field::Title, &self.title),
            (Field::Industry, &self.industry),
            (Field::CompanySize, &self.company_size),
            (Field::Region, &self.region),
            (Field::Source, &self.source),
            (Field::Grade, &self.grade),
            (Field::Stage, &self.stage),
            (Field::Colour, &self.colour),
            (Field::Birthday, &self.birthday),
            (Field::Template, &self.template),
        ]
    }
}

#[derive(Debug, clap::Args)]
struct ContactArgs {
    /// A phone number (repeatable)
    #[arg(long = "phone", value_name = "PHONE")]
    phones: Vec<String>,
    /// An email address (repeatable)
    #[arg(long = "email", value_name = "EMAIL")]
    emails: Vec<String>,
    /// A WeChat id (repeatable)
    #[arg(long = "wechat", value_name = "ID")]
    wechats: Vec<String>,
    /// A postal address (repeatable)
    #[arg(long = "address", value_name = "ADDRESS")]
    addresses: Vec<String>,
}

impl ContactArgs {
    fn contacts(&self) -> Vec<NewContact> {
        let kinds = [
            (ContactKind::Phone, &self.phones),
            (ContactKind::Email, &self.emails),
            (ContactKind::Wechat, &self.wechats),
            (ContactKind::Address, &self.addresses),
        ];
        kinds.iter().flat_map(|(kind, values)| values.iter().map(|v| NewContact::new(*kind, v.clone()))).collect()
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    #[arg(long)]
    grade: Option<Grade>,
    #[arg(long)]
    stage: Option<Stage>,
    #[arg(long)]
    colour: Option<Colour>,
    #[arg(long)]
    tag: Option<String>,
    #[arg(long)]
    industry: Option<String>,
    #[arg(long)]
    region: Option<String>,
    /// Part of the name or company
    #[arg(long)]
    text: Option<String>,
    /// At most this many
    #[arg(long)]
    limit: Option<usize>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct EditArgs {
    id: i64,
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    profile: ProfileArgs,
    /// Add a contact method (see the add command's --phone, --email, …)
    #[command(flatten)]
    contacts: ContactArgs,
    /// Remove a contact method by its id (see `customer show`)
    #[arg(long = "remove-contact", value_name = "ID")]
    remove_contacts: Vec<i64>,
    #[arg(long = "add-tag", value_name = "TAG")]
    add_tags: Vec<String>,
    #[arg(long = "remove-tag", value_name = "TAG")]
    remove_tags: Vec<String>,
    /// Set a custom field KEY=VALUE (repeatable)
    #[arg(long = "field", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    fields: Vec<(String, String)>,
    /// Remove a custom field (repeatable)
    #[arg(long = "unset-field", value_name = "KEY")]
    unset_fields: Vec<String>,
    /// Mark the customer as reviewed now
    #[arg(long)]
    reviewed: bool,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    let (key, value) = s.split_once('=').ok_or_else(|| format!("'{s}' is not KEY=VALUE"))?;
    Ok((key.trim().to_owned(), value.to_owned()))
}

/// Parses a vocabulary value given on the command line, as an invalid-input error.
fn parsed<T: std::str::FromStr<Err = String>>(field: &str, value: &Option<String>) -> Result<Option<T>> {
    value
        .as_deref()
        .map(|v| {
            v.parse::<T>().map_err(|reason| kehu::store::StoreError::Invalid {
                field: field.into(),
                reason,
                problem: None,
            })
        })
        .transpose()
        .map_err(Into::into)
}

pub(crate) fn run(ctx: &Ctx, command: CustomerCommand) -> Result<()> {
    match command {
        CustomerCommand::Add(a) => add(ctx, &a),
        CustomerCommand::Show { id } => show(ctx, id),
        CustomerCommand::List(a) => list(ctx, a),
        CustomerCommand::Edit(a) => edit(ctx, &a),
        CustomerCommand::Erase { id, yes } => erase(ctx, id, yes),
        CustomerCommand::Merge { keep, other } => {
            let outcome = ctx.open()?.merge_customers(keep, other)?;
            let message = format!(
                "{} #{other} → #{keep}: {} {}, {} {}",
                ctx.out.t("已合并", "merged"),
                outcome.values,
                ctx.out.t("项资料", "values"),
                outcome.records,
                ctx.out.t("条记录", "records")
            );
            ctx.out.done(&message, Some(keep));
            Ok(())
        }
    }
}

fn add(ctx: &Ctx, a: &AddArgs) -> Result<()> {
    let p = &a.profile;
    let new = NewCustomer {
        name: a.name.clone(),
        company: p.company.clone(),
        title: p.title.clone(),
        industry: p.industry.clone(),
        company_size: parsed::<CompanySize>("company_size", &p.company_size)?,
        region: p.region.clone(),
        source: p.source.clone(),
        grade: parsed::<Grade>("grade", &p.grade)?,
        stage: parsed::<Stage>("stage", &p.stage)?,
        colour: parsed::<Colour>("colour", &p.colour)?,
        birthday: p.birthday.clone(),
        template: p.template.clone(),
        custom: a.fields.iter().cloned().collect::<BTreeMap<_, _>>(),
        tags: a.tags.clone(),
        contacts: a.contacts.contacts(),
    };
    let mut notebook = ctx.open()?;
    let id = notebook.add_customer(&new)?;
    ctx.out.done(ctx.out.t("已添加客户", "customer added"), Some(id));
    Ok(())
}

fn show(ctx: &Ctx, id: i64) -> Result<()> {
    let notebook = ctx.open()?;
    let profile = notebook.customer_profile(id)?;
    if ctx.out.json {
        ctx.out.json(&profile);
        return Ok(());
    }
    let (c, lang, t) = (&profile.customer, ctx.out.lang, |zh, en| ctx.out.t(zh, en));
    say!("#{} {}{}", c.id, c.name, c.company.as_deref().map(|co| format!(" · {co}")).unwrap_or_default());
    say!("  {}: {}   {}: {}", t("等级", "Grade"), c.grade.label(lang), t("阶段", "Stage"), c.stage.label(lang));
    for field in Field::ALL.iter().filter(|f| !matches!(f, Field::Name | Field::Company | Field::Grade | Field::Stage))
    {
        if let Some(value) = c.field(*field) {
            say!("  {}: {value}", field.key());
        }
    }
    for (key, value) in &c.custom {
        say!("  {key}: {value}");
    }
    if !c.tags.is_empty() {
        say!("  {}: {}", t("标签", "Tags"), c.tags.join(", "));
    }
    for m in &c.contacts {
        say!("  [{}] {}: {}", m.id, m.kind.label(lang), m.value);
    }
    for n in &profile.notes {
        let template = n.template.as_deref().map(|t| format!(" ({t})")).unwrap_or_default();
        say!("\n{} #{} {}{template}\n{}", t("记录", "Note"), n.id, local(&n.at), n.body.trim_end());
    }
    for i in &profile.interactions {
        let outcome = i.outcome.as_deref().map(|o| format!(" → {o}")).unwrap_or_default();
        say!("{} #{} {} {}: {}{outcome}", t("互动", "Interaction"), i.id, local(&i.at), i.kind.label(lang), i.summary);
    }
    for task in &profile.tasks {
        let due = due(task);
        let mark = if task.done_at.is_some() { "x" } else { " " };
        say!("[{mark}] {} #{} {} {due}", t("任务", "Task"), task.id, task.title);
    }
    for c in &profile.complaints {
        say!("{} #{} [{}] {}", t("投诉", "Complaint"), c.id, c.status.label(lang), c.title);
    }
    for s in &profile.secrets {
        say!("{} #{} {} {} ******", t("凭据", "Credential"), s.id, s.label, s.username.as_deref().unwrap_or(""));
    }
    for a in &profile.attachments {
        say!("{} #{} {} ({}, {} bytes)", t("附件", "Attachment"), a.id, a.name, a.mime, a.size);
    }
    Ok(())
}

impl ListArgs {
    pub(crate) fn filter(self) -> CustomerFilter {
        CustomerFilter {
            grade: self.grade,
            stage: self.stage,
            colour: self.colour,
            tag: self.tag,
            industry: self.industry,
            region: self.region,
            text: self.text,
            limit: self.limit,
            ..CustomerFilter::default()
        }
    }
}

fn list(ctx: &Ctx, a: ListArgs) -> Result<()> {
    let filter = a.filter();
    let notebook = ctx.open()?;
    let customers = notebook.list_customers(&filter)?;
    if ctx.out.json {
        ctx.out.json(&customers);
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    for c in &customers {
        let company = c.company.as_deref().unwrap_or("");
        let tags = if c.tags.is_empty() { String::new() } else { format!(" #{}", c.tags.join(" #")) };
        writeln!(
            stdout,
            "{}\t{}\t{company}\t{}\t{}{tags}",
            c.id,
            c.name,
            c.grade.label(ctx.out.lang),
            c.stage.label(ctx.out.lang)
        )?;
    }
    Ok(())
}

fn edit(ctx: &Ctx, a: &EditArgs) -> Result<()> {
    let mut changes = Vec::new();
    if let Some(name) = &a.name {
        changes.push(Change::Set(Field::Name, Some(name.clone())));
    }
    for (field, value) in a.profile.changes() {
        if let Some(value) = value {
            changes.push(Change::Set(field, Some(value.clone())));
        }
    }
    changes.extend(a.contacts.contacts().into_iter().map(Change::AddContact));
    changes.extend(a.remove_contacts.iter().map(|id| Change::RemoveContact(*id)));
    changes.extend(a.add_tags.iter().cloned().map(Change::AddTag));
    changes.extend(a.remove_tags.iter().cloned().map(Change::RemoveTag));
    changes.extend(a.fields.iter().map(|(k, v)| Change::SetCustom(k.clone(), Some(v.clone()))));
    changes.extend(a.unset_fields.iter().map(|k| Change::SetCustom(k.clone(), None)));
    if changes.is_empty() && !a.reviewed {
        bail!(kehu::Error::Invalid(
            "nothing to change: give at least one option (see kehu customer edit --help)".into()
        ));
    }
    let mut notebook = ctx.open()?;
    let changed = notebook.edit_customer(a.id, &changes)?;
    if a.reviewed {
        notebook.mark_reviewed(a.id)?;
    }
    ctx.out.done(&format!("{} {changed}", ctx.out.t("已修改字段数：", "fields changed:")), None);
    Ok(())
}

fn erase(ctx: &Ctx, id: i64, yes: bool) -> Result<()> {
    let mut notebook = ctx.open()?;
    let customer = notebook.customer(id)?;
    if !yes {
        if !std::io::stdin().is_terminal() || ctx.password.uses_stdin() {
            bail!(kehu::Error::Invalid("erasing cannot be undone: add --yes to confirm".into()));
        }
        eprint!("{} #{id} {}? [y/N] ", ctx.out.t("彻底删除客户", "Erase customer"), customer.name);
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "是") {
            bail!(kehu::Error::Invalid("not erased".into()));
        }
    }
    notebook.erase_customer(id)?;
    ctx.out.done(ctx.out.t("已彻底删除", "erased"), None);
    Ok(())
}
