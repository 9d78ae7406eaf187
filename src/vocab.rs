//! The closed vocabularies of the data model (grades, stages, kinds…): each value has a stable
//! key stored in the database and printed in JSON, and a label per language. Parsing accepts
//! the key or either label, so `--grade VIP`, `--grade vip` and `--grade 重要客户` all work.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

/// The two languages of the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Reads a locale such as `zh_CN.UTF-8`, `zh-TW` or `en_GB`; anything not English is zh-CN.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("en") { Lang::En } else { Lang::ZhCn }
    }
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident = $key:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
        pub enum $name {
            $(#[serde(rename = $key)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable key: stored, printed in JSON, accepted on input.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key,)+ }
            }

            pub fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($name::$variant, Lang::ZhCn) => $zh, ($name::$variant, Lang::En) => $en,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                let s = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| {
                        v.key().eq_ignore_ascii_case(s)
                            || v.label(Lang::ZhCn) == s
                            || v.label(Lang::En).eq_ignore_ascii_case(s)
                    })
                    .ok_or_else(|| {
                        let keys: Vec<&str> = $name::ALL.iter().map(|v| v.key()).collect();
                        format!("'{s}' is not a {}; use one of {}", $what, keys.join(", "))
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.key()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = value.as_str()?;
                text.parse().map_err(|e: String| FromSqlError::Other(e.into()))
            }
        }
    };
}

vocabulary!(
    /// How important a customer is.
    Grade, "grade" {
        Vip = "vip", "重要客户", "VIP";
        Normal = "normal", "普通客户", "Normal";
        Potential = "potential", "潜在客户", "Potential";
    }
);

vocabulary!(
    /// Where a customer is in their lifecycle.
    Stage, "lifecycle stage" {
        Potential = "potential", "潜在", "Prospect";
        Active = "active", "活跃", "Active";
        Loyal = "loyal", "忠诚", "Loyal";
        Churned = "churned", "流失", "Churned";
    }
);

vocabulary!(
    /// A colour mark a salesperson puts on a customer for their own meaning.
    Colour, "colour" {
        Red = "red", "红", "Red";
        Orange = "orange", "橙", "Orange";
        Yellow = "yellow", "黄", "Yellow";
        Green = "green", "绿", "Green";
        Blue = "blue", "蓝", "Blue";
        Purple = "purple", "紫", "Purple";
        Grey = "grey", "灰", "Grey";
    }
);

vocabulary!(
    /// Company size class by headcount.
    CompanySize, "company size" {
        Micro = "micro", "微型（<10人）", "Micro (<10)";
        Small = "small", "小型（10–99人）", "Small (10–99)";
        Medium = "medium", "中型（100–999人）", "Medium (100–999)";
        Large = "large", "大型（1000人以上）", "Large (1000+)";
    }
);

vocabulary!(
    /// How a contact method reaches the customer.
    ContactKind, "contact kind" {
        Phone = "phone", "电话", "Phone";
        Email = "email", "邮箱", "Email";
        Wechat = "wechat", "微信", "WeChat";
        Address = "address", "地址", "Address";
    }
);

vocabulary!(
    /// What kind of contact an interaction was.
    InteractionKind, "interaction kind" {
        Call = "call", "电话", "Call";
        Email = "email", "邮件", "Email";
        Meeting = "meeting", "会议", "Meeting";
        Visit = "visit", "拜访", "Visit";
        Wechat = "wechat", "微信", "WeChat";
        Other = "other", "其他", "Other";
    }
);

vocabulary!(
    /// Where a complaint stands.
    ComplaintStatus, "complaint status" {
        Open = "open", "待处理", "Open";
        Handling = "handling", "处理中", "Handling";
        Resolved = "resolved", "已解决", "Resolved";
    }
);

vocabulary!(
    /// What a template shapes.
    TemplateKind, "template kind" {
        Customer = "customer", "客户模板", "Customer template";
        Note = "note", "记录模板", "Note template";
    }
);

vocabulary!(
    /// The kinds of record search finds.
    SearchKind, "search kind" {
        Customer = "customer", "客户", "Customer";
        Note = "note", "记录", "Note";
        Interaction = "interaction", "互动", "Interaction";
        Complaint = "complaint", "投诉", "Complaint";
        Template = "template", "模板", "Template";
    }
);

impl SearchKind {
    /// A small stable number for the index's fast field.
    pub fn code(self) -> u64 {
        match self {
            SearchKind::Customer => 1,
            SearchKind::Note => 2,
            SearchKind::Interaction => 3,
            SearchKind::Complaint => 4,
            SearchKind::Template => 5,
        }
    }

    pub fn from_code(code: u64) -> Option<SearchKind> {
        SearchKind::ALL.iter().copied().find(|k| k.code() == code)
    }
}

vocabulary!(
    /// What the access log records.
    AccessEvent, "access event" {
        Create = "create", "创建笔记本", "Notebook created";
        Unlock = "unlock", "解锁", "Unlocked";
        PasswordChange = "password_change", "修改主密码", "Master password changed";
        SecretReveal = "secret_reveal", "查看凭据", "Credential revealed";
        Export = "export", "导出", "Exported";
        Backup = "backup", "备份", "Backup";
        BackupFailed = "backup_failed", "备份失败", "Backup failed";
        Restore = "restore", "恢复", "Restore";
        Import = "import", "导入", "Imported";
        Erase = "erase", "彻底删除", "Erased";
        Repair = "repair", "修复无法读取的数据", "Unreadable values repaired";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_and_labels() {
        assert_eq!("VIP".parse::<Grade>(), Ok(Grade::Vip));
        assert_eq!("重要客户".parse::<Grade>(), Ok(Grade::Vip));
        assert_eq!("流失".parse::<Stage>(), Ok(Stage::Churned));
        assert_eq!("WeChat".parse::<InteractionKind>(), Ok(InteractionKind::Wechat));
        let err = "gold".parse::<Grade>().unwrap_err();
        assert!(err.contains("vip, normal, potential"), "{err}");
    }

    #[test]
    fn keys_round_trip_and_labels_are_unique() {
        for g in Stage::ALL {
            assert_eq!(g.key().parse::<Stage>(), Ok(*g));
            assert_eq!(g.label(Lang::ZhCn).parse::<Stage>(), Ok(*g));
        }
        assert_eq!(serde_json::to_string(&Colour::Grey).unwrap(), "\"grey\"");
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::ZhCn);
    }
}

/// One value of a vocabulary with its labels, for a UI to show and a form to offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct VocabEntry {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// Every closed vocabulary with its labels in both languages: the one source the UI shows them from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Vocabulary {
    pub grade: Vec<VocabEntry>,
    pub stage: Vec<VocabEntry>,
    pub colour: Vec<VocabEntry>,
    pub company_size: Vec<VocabEntry>,
    pub contact_kind: Vec<VocabEntry>,
    pub interaction_kind: Vec<VocabEntry>,
    pub complaint_status: Vec<VocabEntry>,
    pub search_kind: Vec<VocabEntry>,
    pub access_event: Vec<VocabEntry>,
}

macro_rules! entries {
    ($name:ident) => {
        $name::ALL.iter().map(|v| VocabEntry { key: v.key(), zh: v.label(Lang::ZhCn), en: v.label(Lang::En) }).collect()
    };
}

pub fn vocabulary() -> Vocabulary {
    Vocabulary {
        grade: entries!(Grade),
        stage: entries!(Stage),
        colour: entries!(Colour),
        company_size: entries!(CompanySize),
        contact_kind: entries!(ContactKind),
        interaction_kind: entries!(InteractionKind),
        complaint_status: entries!(ComplaintStatus),
        search_kind: entries!(SearchKind),
        access_event: entries!(AccessEvent),
    }
}
