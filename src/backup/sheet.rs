//! What a person needs to open their backups without kehu: the README inside every archive,
//! and the printable recovery sheet (HTML) — where the backups are and how to open them with
//! the age tool, with a blank for the password, which the sheet never holds.

use std::fmt::Write;
use std::path::Path;

use super::manifest::PackageKind;
use super::{BackupState, BackupStatus};
use crate::store::Lang;

pub(super) fn archive_readme(kind: PackageKind) -> String {
    let what = match kind {
        PackageKind::Backup => "客户本备份 / kehu backup",
        PackageKind::Handover => "客户本交接包 / kehu customer handover package",
    };
    format!(
        "{what}\n\n\
         data/<表>/part-NNNN.json  每类记录一个或多个 JSON 数组，每行一条记录（客户 customer、联系方式 contact_method、\n\
         \x20                        标签 tag/customer_tag、笔记 note、互动 interaction、任务 task、投诉 complaint、\n\
         \x20                        凭据 secret（含密码明文，请妥善保管）、附件 attachment、历史 history、访问日志 access_log…）。\n\
         attachments/<id>-<文件名>  附件原文件，id 对应 attachment 表。\n\
         manifest.json             文件清单：每个文件的大小、SHA-256 与记录数。\n\n\
         data/<table>/part-NNNN.json  each record kind as JSON arrays, one record per line (customers, contact methods,\n\
         \x20                        tags, notes, interactions, tasks, complaints, credentials with their passwords in\n\
         \x20                        clear — keep this folder safe —, attachments, history, access log…).\n\
         attachments/<id>-<name>   the attached files; the id is the attachment table's.\n\
         manifest.json             every file's size, SHA-256 and record count.\n\n\
         恢复到客户本 / Restore into kehu:  kehu backup restore <file.age> --notebook <新文件夹/new folder>\n"
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The recovery sheet for a notebook whose backups go to `folder`, in `lang`.
pub fn recovery_sheet(lang: Lang, notebook: &str, folder: &Path, last: Option<&BackupStatus>) -> String {
    let zh = lang == Lang::ZhCn;
    let t = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    let folder = escape(&folder.display().to_string());
    let pattern = escape(&format!("kehu-{notebook}-YYYYMMDDTHHMMSSZ.age"));
    let last_line = match last {
        Some(s) if s.state == BackupState::Ok => format!(
            "{} {} — {}",
            t("最近一次备份：", "Last backup:"),
            s.at.format("%Y-%m-%d %H:%M UTC"),
            escape(s.file.as_deref().unwrap_or_default())
        ),
        _ => t("尚无成功的备份。", "No successful backup yet.").to_owned(),
    };
    let mut html = String::new();
    let _ = write!(
        html,
        r#"<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif; max-width: 46em; margin: 2em auto; line-height: 1.6; color: #111; }}
h1 {{ font-size: 1.6em; border-bottom: 2px solid #111; padding-bottom: .3em; }}
code, pre {{ font-family: "DejaVu Sans Mono", monospace; background: #f3f3f3; padding: .1em .3em; }}
pre {{ padding: .6em; white-space: pre-wrap; }}
.blank {{ display: inline-block; min-width: 22em; border-bottom: 1px solid #111; height: 1.4em; }}
.box {{ border: 1px solid #999; padding: .8em 1em; margin: 1em 0; }}
@media print {{ body {{ margin: 0; }} }}
</style></head><body>
<h1>{title}</h1>
<p>{intro}</p>
<div class="box">
<p><b>{where_label}</b><br><code>{folder}</code></p>
<p><b>{names_label}</b><br><code>{pattern}</code></p>
<p>{last_line}</p>
</div>
<h2>{open_title}</h2>
<ol>
<li>{step1}</li>
<li>{step2}<pre>age -d -o backup.tar kehu-{notebook_escaped}-….age
tar -xf backup.tar</pre></li>
<li>{step3}</li>
<li>{step4}<pre>kehu backup restore kehu-{notebook_escaped}-….age --notebook ~/.local/share/kehu/{notebook_escaped}</pre></li>
</ol>
<h2>{password_title}</h2>
<p>{password_hint}</p>
<p>{password_label} <span class="blank"></span></p>
<p><small>{footer}</small></p>
</body></html>
"#,
        lang = if zh { "zh-CN" } else { "en" },
        title = t("客户本 · 备份恢复单", "kehu · Backup recovery sheet"),
        intro = t(
            "请打印本页并与重要文件一起存放。即使没有客户本，也能用开源的 age 工具打开备份。",
            "Print this page and keep it with your important papers. Your backups open even without kehu, with the open-source age tool."
        ),
        where_label = t("备份存放位置", "Where the backups are"),
        names_label = t("备份文件名", "Backup file names"),
        open_title = t("不用客户本打开备份", "Opening a backup without kehu"),
        step1 = t(
            "安装 age（https://age-encryption.org，Debian/Ubuntu：<code>apt install age</code>）。",
            "Install age (https://age-encryption.org; Debian/Ubuntu: <code>apt install age</code>)."
        ),
        step2 = t("解密并解包（age 会询问备份密码）：", "Decrypt and unpack (age asks for the backup password):"),
        step3 = t(
            "打开解出的 kehu-backup 文件夹：README.txt 说明各文件；客户、笔记等记录在 data/ 下的 JSON 文件中，附件在 attachments/ 中。",
            "Open the kehu-backup folder: README.txt explains the files; customers, notes and other records are JSON files under data/, attachments are in attachments/."
        ),
        step4 = t("或在新电脑上用客户本恢复为笔记本：", "Or restore it as a notebook with kehu on a new computer:"),
        password_title = t("备份密码", "Backup password"),
        password_hint = t(
            "本页不包含密码。如需，请手写在下方，并将本页存放在安全的地方。",
            "This sheet does not hold the password. If you wish, write it below by hand and keep this page somewhere safe."
        ),
        password_label = t("备份密码：", "Backup password:"),
        footer = t("由客户本生成", "Printed by kehu"),
        notebook_escaped = escape(notebook),
    );
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sheet_names_the_folder_escaped_in_both_languages() {
        let zh = recovery_sheet(Lang::ZhCn, "default", Path::new("/home/u/备份<x>"), None);
        assert!(zh.contains("/home/u/备份&lt;x&gt;"));
        assert!(zh.contains("age -d -o backup.tar"));
        assert!(zh.contains("备份密码："));
        let en = recovery_sheet(Lang::En, "default", Path::new("/b"), None);
        assert!(en.contains("Backup password:"));
        assert!(!en.contains("备份密码"));
    }
}
