import { describe, expect, it } from "vitest";
import type { ErrorDetail } from "../api/bindings/ErrorDetail";
import type { FilterKind } from "../api/bindings/FilterKind";
import type { IoCause } from "../api/bindings/IoCause";
import type { ValueProblem } from "../api/bindings/ValueProblem";
import type { WhyUnreadable } from "../api/bindings/WhyUnreadable";
import { detailText, fileName } from "./errors";
import { en, zhCN, type MessageKey } from "./messages";

// Every value the core can send; the type checker refuses the list if one is missing.
const WHYS: Record<WhyUnreadable, true> = {
  not_text: true,
  not_a_workbook: true,
  password_protected: true,
  damaged: true,
  too_large: true,
  unpacks: true,
  bad_csv: true,
  bad_vcard: true,
  no_vcard: true,
  no_rows: true,
  no_table: true,
  not_kehu: true,
  newer_kehu: true,
};
const CAUSES: Record<IoCause, true> = { not_found: true, denied: true, other: true };
const FILTERS: Record<FilterKind, true> = { grade: true, stage: true, kind: true, date: true };
// One of each problem the core refuses a value for; the type checker refuses a missing kind.
const PROBLEMS: { [K in ValueProblem["kind"]]: Extract<ValueProblem, { kind: K }> } = {
  empty: { kind: "empty" },
  too_long: { kind: "too_long", max: 500 },
  not_a_phone: { kind: "not_a_phone", value: "138-abc" },
  too_short_for_a_phone: { kind: "too_short_for_a_phone", value: "12" },
  not_an_email: { kind: "not_an_email", value: "zhang@" },
  out_of_range: { kind: "out_of_range", min: 1, max: 240 },
  not_a_full_path: { kind: "not_a_full_path" },
  not_a_time: { kind: "not_a_time", value: "garbage" },
  not_one_of: { kind: "not_one_of", value: "金牌" },
  not_a_date: { kind: "not_a_date", value: "下周" },
  too_large: { kind: "too_large", max_mib: 100 },
  not_in_the_future: { kind: "not_in_the_future" },
  already_done: { kind: "already_done" },
  other_customer: { kind: "other_customer" },
  same_customer: { kind: "same_customer" },
  no_such_template: { kind: "no_such_template", name: "初创公司" },
  not_restorable: { kind: "not_restorable" },
  nothing_matches: { kind: "nothing_matches" },
  folder_not_empty: { kind: "folder_not_empty" },
  handover_not_backup: { kind: "handover_not_backup" },
  no_duplicate: { kind: "no_duplicate" },
  no_backup_password: { kind: "no_backup_password" },
  encoding_too_narrow: { kind: "encoding_too_narrow", encoding: "BIG5" },
  not_a_link: { kind: "not_a_link", value: "javascript:alert(1)" },
};

function translator(dictionary: Record<MessageKey, string>) {
  return (key: MessageKey, vars: Record<string, string | number> = {}) => {
    const text = dictionary[key];
    if (text === undefined) throw new Error(`no message ${key}`);
    return text.replace(/\{(\w+)\}/g, (_, name: string) => {
      if (!(name in vars)) throw new Error(`${key} needs {${name}}`);
      return String(vars[name]);
    });
  };
}

function everyDetail(): ErrorDetail[] {
  const file = "/home/销售/下载/客户台账.xlsx";
  return [
    ...Object.keys(WHYS).flatMap((why) => [
      { kind: "unreadable", file, why, line: null } as ErrorDetail,
      { kind: "unreadable", file, why, line: 12 } as ErrorDetail,
    ]),
    { kind: "rejected", file, count: 3 },
    ...Object.keys(FILTERS).map((filter) => ({ kind: "search_filter", filter, value: "金牌" }) as ErrorDetail),
    ...Object.values(PROBLEMS).map((problem) => ({ kind: "invalid", problem }) as ErrorDetail),
    {
      kind: "refused_row",
      file,
      value: { table: "note", row: 12, column: "at", reason: "", problem: { kind: "not_a_time", value: "x" } },
    },
    { kind: "refused_row", file: null, value: { table: "task", row: null, column: "due", reason: "", problem: null } },
    { kind: "disk_full" },
    { kind: "weak_password", backup: false },
    { kind: "weak_password", backup: true },
    ...Object.keys(CAUSES).flatMap((cause) => [
      { kind: "file_access", file: null, cause } as ErrorDetail,
      { kind: "file_access", file, cause } as ErrorDetail,
    ]),
    { kind: "newer_kehu" },
    { kind: "notebook_damaged" },
    { kind: "not_a_backup", file },
    { kind: "backup_damaged", file },
  ];
}

describe("errors said from their detail", () => {
  it("have a whole sentence for every detail, in both languages", () => {
    for (const dictionary of [zhCN, en]) {
      for (const detail of everyDetail()) {
        const text = detailText(detail, translator(dictionary));
        expect(text, JSON.stringify(detail)).not.toMatch(/[{}]|error\./);
      }
    }
  });

  it("are Chinese in zh-CN, naming the file the user chose and the line", () => {
    const t = translator(zhCN);
    const text = detailText(
      { kind: "unreadable", file: "/tmp/导入/通讯录.vcf", why: "bad_vcard", line: 7 },
      t,
    );
    expect(text).toBe("无法读取「通讯录.vcf」：vCard 名片格式有误（第 7 行）。");
    expect(detailText({ kind: "rejected", file: "C:\\台账\\客户.csv", count: 2 }, t)).toContain("「客户.csv」中有 2 个");
    expect(detailText({ kind: "disk_full" }, t)).toMatch(/^磁盘已满/);
    const phone = detailText({ kind: "invalid", problem: { kind: "not_a_phone", value: "138-abc" } }, t);
    expect(phone).toBe("输入有误：「138-abc」不是有效的电话号码。");
    expect(detailText({ kind: "search_filter", filter: "grade", value: "金牌" }, t)).toBe(
      "搜索条件有误：「金牌」不是有效的等级。",
    );
    expect(detailText({ kind: "unreadable", file: "a.csv", why: "not_text", line: null }, translator(en))).toBe(
      "Cannot read “a.csv”: it is not text in an encoding kehu recognises; choose the right encoding (UTF-8 or GBK) when importing.",
    );
  });

  it("name a file by the last part of its path", () => {
    expect(fileName("/home/a/客户.xlsx")).toBe("客户.xlsx");
    expect(fileName("C:\\Users\\a\\客户.csv")).toBe("客户.csv");
    expect(fileName("plain.csv")).toBe("plain.csv");
  });
});
