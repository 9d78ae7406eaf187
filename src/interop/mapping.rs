//! Which column of a spreadsheet goes where: targets, the headers kehu recognises in Chinese
//! and English (including the CSV exports of Google Contacts and Outlook), and mappings a user
//! saved to reuse.

use serde::{Deserialize, Serialize};

use crate::store::Field;

/// Where one column's values go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "to", content = "key", rename_all = "snake_case")]
pub enum Target {
    /// A profile field (name, company, grade …).
    Field(Field),
    /// Given and family names, joined into the name (Google and Outlook split them).
    GivenName,
    FamilyName,
    Phone,
    Email,
    Wechat,
    Address,
    /// One part of an address spread over columns (Outlook's street, city, postcode …).
    AddressPart,
    /// Tags, separated by commas, semicolons, 、 or Google's `:::`.
    Tags,
    /// Becomes a note on the customer.
    Note,
    /// A custom field with this name.
    Custom(String),
    Ignore,
}

/// One column and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ColumnMapping {
    pub header: String,
    pub target: Target,
}

/// A file's columns, by header text (so one mapping serves every sheet and every file laid out
/// the same way).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Mapping {
    pub columns: Vec<ColumnMapping>,
}

impl Mapping {
    /// The mapping kehu proposes for these headers: recognised ones to their targets, the rest
    /// to custom fields of the same name, empty headers ignored.
    pub fn detect(headers: &[String]) -> Mapping {
        let columns = headers
            .iter()
            .map(|header| {
                let target = if header.trim().is_empty() {
                    Target::Ignore
                } else {
                    recognise(header).unwrap_or_else(|| Target::Custom(header.trim().to_owned()))
                };
                ColumnMapping { header: header.clone(), target }
            })
            .collect();
        Mapping { columns }
    }

    /// This mapping applied to `headers`: a header it names takes its target, others the
    /// detected one.
    pub fn over(&self, headers: &[String]) -> Mapping {
        let detected = Mapping::detect(headers);
        let columns = detected
            .columns
            .into_iter()
            .map(|c| match self.columns.iter().find(|m| m.header.trim() == c.header.trim()) {
                Some(saved) => ColumnMapping { header: c.header, target: saved.target.clone() },
                None => c,
            })
            .collect();
        Mapping { columns }
    }

    /// How many columns were recognised (mapped to something other than a custom field).
    pub fn recognised(&self) -> usize {
        self.columns.iter().filter(|c| !matches!(c.target, Target::Custom(_) | Target::Ignore)).count()
    }
}

/// Headers folded for matching: bracketed remarks such as （必填） dropped, then lower case,
/// no spaces, stars, colons or underscores.
fn fold(header: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in header.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = depth.saturating_sub(1),
            c if depth == 0 && !c.is_whitespace() && !"*＊:：_".contains(c) => {
                out.extend(simplified(c).to_lowercase());
            }
            _ => {}
        }
    }
    out
}

/// The simplified form of a traditional character that header names use, so a Taiwan or Hong
/// Kong ledger's 客戶名稱 / 聯絡人 / 電子郵件 is recognised like 客户名称 / 联络人 / 电子邮件. Only
/// the characters of the aliases below: a full conversion table is not needed to read headers.
fn simplified(c: char) -> char {
    #[rustfmt::skip]
    const PAIRS: &[(char, char)] = &[
        ('戶', '户'), ('聯', '联'), ('絡', '络'), ('繫', '系'), ('係', '系'), ('稱', '称'), ('職', '职'), ('機', '机'), ('號', '号'),
        ('碼', '码'), ('電', '电'), ('話', '话'), ('郵', '邮'), ('備', '备'), ('註', '注'), ('區', '区'), ('級', '级'), ('業', '业'),
        ('標', '标'), ('籤', '签'), ('簽', '签'), ('類', '类'), ('單', '单'), ('階', '阶'), ('顏', '颜'), ('記', '记'), ('錄', '录'),
        ('說', '说'), ('規', '规'), ('員', '员'), ('數', '数'), ('來', '来'), ('時', '时'), ('間', '间'), ('創', '创'), ('編', '编'),
        ('詳', '详'), ('細', '细'), ('訊', '讯'), ('辦', '办'), ('務', '务'), ('隊', '队'), ('組', '组'), ('價', '价'), ('額', '额'),
        ('統', '统'), ('頭', '头'), ('銜', '衔'), ('歷', '历'), ('況', '况'), ('進', '进'), ('跡', '迹'), ('門', '门'),
    ];
    PAIRS.iter().find(|(traditional, _)| *traditional == c).map_or(c, |(_, simplified)| *simplified)
}

/// The target a header names, if kehu knows it.
pub fn recognise(header: &str) -> Option<Target> {
    let h = fold(header);
    // Google Contacts: "Phone 1 - Value", "E-mail 2 - Value", "Organization 1 - Name" …
    if let Some((stem, part)) = h.rsplit_once('-').filter(|(s, _)| s.ends_with(|c: char| c.is_ascii_digit())) {
        let stem = stem.trim_end_matches(|c: char| c.is_ascii_digit());
        return Some(match (stem, part) {
            ("phone", "value") => Target::Phone,
            ("e-mail" | "email", "value") => Target::Email,
            ("address", "formatted") => Target::Address,
            ("organization", "name") => Target::Field(Field::Company),
            ("organization", "title") => Target::Field(Field::Title),
            ("website" | "relation" | "event" | "im" | "custom field", _) => return None,
            _ => Target::Ignore,
        });
    }
    const ALIASES: &[(&[&str], Target)] = &[
        (
            &[
                "姓名",
                "联系人",
                "联系人姓名",
                "联络人",
                "客户姓名",
                "名字",
                "name",
                "fullname",
                "contact",
                "contactname",
                "displayname",
            ],
            Target::Field(Field::Name),
        ),
        (
            &[
                "客户名称",
                "客户",
                "公司",
                "公司名称",
                "单位",
                "单位名称",
                "企业",
                "企业名称",
                "所在单位",
                "company",
                "companyname",
                "organization",
                "organisation",
                "organizationname",
                "account",
                "accountname",
            ],
            Target::Field(Field::Company),
        ),
        (
            &["职位", "职务", "职称", "岗位", "头衔", "title", "jobtitle", "position", "organizationtitle"],
            Target::Field(Field::Title),
        ),
        (&["行业", "所属行业", "industry"], Target::Field(Field::Industry)),
        (
            &["规模", "公司规模", "企业规模", "人数", "员工人数", "companysize", "size", "employees"],
            Target::Field(Field::CompanySize),
        ),
        (
            &["地区", "区域", "省份", "城市", "所在地区", "所在城市", "所在地", "region", "city", "province", "area"],
            Target::Field(Field::Region),
        ),
        (&["来源", "客户来源", "渠道", "source", "leadsource"], Target::Field(Field::Source)),
        (
            &["客户等级", "等级", "级别", "客户级别", "客户类别", "grade", "level", "rating", "tier"],
            Target::Field(Field::Grade),
        ),
        (&["阶段", "销售阶段", "客户阶段", "生命周期", "stage", "lifecyclestage"], Target::Field(Field::Stage)),
        (&["颜色", "颜色标记", "colour", "color"], Target::Field(Field::Colour)),
        (&["生日", "出生日期", "birthday", "birthdate", "dateofbirth", "dob"], Target::Field(Field::Birthday)),
        (&["名", "givenname", "firstname"], Target::GivenName),
        (&["姓", "familyname", "lastname", "surname"], Target::FamilyName),
        (
            &[
                "手机",
                "手机号",
                "手机号码",
                "电话",
                "电话号码",
                "联系电话",
                "联系方式",
                "联络电话",
                "座机",
                "办公电话",
                "固话",
                "固定电话",
                "mobile",
                "mobilephone",
                "phone",
                "phonenumber",
                "telephone",
                "tel",
                "cell",
                "cellphone",
                "businessphone",
                "homephone",
                "primaryphone",
                "companymainphone",
                "businessphone2",
                "homephone2",
            ],
            Target::Phone,
        ),
        (
            &[
                "邮箱",
                "电子邮箱",
                "邮件",
                "电子邮件",
                "邮箱地址",
                "email",
                "e-mail",
                "e-mailaddress",
                "emailaddress",
                "mail",
                "e-mail2address",
                "e-mail3address",
            ],
            Target::Email,
        ),
        (&["微信", "微信号", "wechat", "weixin", "wechatid"], Target::Wechat),
        (
            &[
                "地址",
                "联系地址",
                "公司地址",
                "办公地址",
                "通讯地址",
                "详细地址",
                "address",
                "businessaddress",
                "homeaddress",
            ],
            Target::Address,
        ),
        (
            &[
                "businessstreet",
                "businessstreet2",
                "businesscity",
                "businessstate",
                "businesspostalcode",
                "businesscountry/region",
                "homestreet",
                "homecity",
                "homestate",
                "homepostalcode",
                "homecountry/region",
            ],
            Target::AddressPart,
        ),
        (
            &["创建时间", "更新时间", "序号", "编号", "no.", "#", "created", "updated", "createdat", "updatedat"],
            Target::Ignore,
        ),
        (&["标签", "分组", "分类", "tags", "tag", "labels", "categories", "groupmembership"], Target::Tags),
        (
            &[
                "备注",
                "说明",
                "备忘",
                "跟进记录",
                "跟进情况",
                "notes",
                "note",
                "remarks",
                "remark",
                "comment",
                "comments",
            ],
            Target::Note,
        ),
    ];
    ALIASES.iter().find(|(names, _)| names.contains(&h.as_str())).map(|(_, target)| target.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_english_google_and_outlook_headers() {
        let cases = [
            ("客户名称", Target::Field(Field::Company)),
            ("联系人", Target::Field(Field::Name)),
            ("客戶名稱", Target::Field(Field::Company)),
            ("聯絡人", Target::Field(Field::Name)),
            ("職稱", Target::Field(Field::Title)),
            ("手機", Target::Phone),
            ("電子郵件", Target::Email),
            ("備註", Target::Note),
            ("手机号码", Target::Phone),
            ("电子邮箱", Target::Email),
            ("客户等级", Target::Field(Field::Grade)),
            ("备注", Target::Note),
            (" 生日 ", Target::Field(Field::Birthday)),
            ("E-mail Address", Target::Email),
            ("Phone 1 - Value", Target::Phone),
            ("Phone 1 - Type", Target::Ignore),
            ("E-mail 2 - Value", Target::Email),
            ("Organization 1 - Name", Target::Field(Field::Company)),
            ("Group Membership", Target::Tags),
            ("First Name", Target::GivenName),
            ("Business City", Target::AddressPart),
            ("Job Title", Target::Field(Field::Title)),
            ("*手机", Target::Phone),
            ("地址（必填）", Target::Address),
        ];
        for (header, target) in cases {
            assert_eq!(recognise(header), Some(target), "{header}");
        }
        assert_eq!(recognise("合同金额"), None);
        let m = Mapping::detect(&["联系人".into(), "合同金额".into(), String::new()]);
        assert_eq!(m.columns[1].target, Target::Custom("合同金额".into()));
        assert_eq!(m.columns[2].target, Target::Ignore);
        assert_eq!(m.recognised(), 1);
        let saved = Mapping { columns: vec![ColumnMapping { header: "合同金额".into(), target: Target::Ignore }] };
        assert_eq!(saved.over(&["合同金额".into()]).columns[0].target, Target::Ignore);
    }
}
