import { beforeEach, describe, expect, it } from "vitest";
import type { FieldPath } from "../api/bindings/FieldPath";
import type { HistoryEntry } from "../api/bindings/HistoryEntry";
import type { Vocabulary } from "../api/bindings/Vocabulary";
import { historyField, historyValue } from "./history";
import { i18n } from "./i18n.svelte";

const entry = (path: FieldPath, old: string | null, next: string | null): HistoryEntry => ({
  id: 1, customer_id: 1, record_id: 1, path, old, new: next, at: "2026-03-01T08:00:00Z", restorable: false,
});
const vocab = {
  grade: [{ key: "a", zh: "A 级", en: "Grade A" }],
  stage: [], colour: [], company_size: [],
  contact_kind: [{ key: "phone", zh: "电话", en: "Phone" }],
  interaction_kind: [],
  complaint_status: [{ key: "open", zh: "待处理", en: "Open" }, { key: "handling", zh: "处理中", en: "Handling" }],
  search_kind: [], access_event: [],
} as Vocabulary;

describe("history entries", () => {
  beforeEach(() => {
    i18n.lang = "zh-CN";
  });

  it("name task, complaint and contact fields in the user's language", () => {
    expect(historyField(entry({ kind: "complaint", field: "status" }, "open", "handling"), vocab)).toBe("投诉 · 状态");
    expect(historyField(entry({ kind: "task", field: "done" }, null, "2026-03-01T08:00:00Z"), vocab)).toBe("待办事项 · 完成时间");
    expect(historyField(entry({ kind: "contact", contact: "phone" }, null, "13800138000"), vocab)).toBe("联系方式 · 电话");
    expect(historyField(entry({ kind: "custom", key: "合同金额" }, null, "5"), vocab)).toBe("合同金额");
    expect(historyField(entry({ kind: "credential", field: "password" }, null, null), vocab)).toBe("账号凭据 · 密码");
    expect(historyField(entry({ kind: "unknown", record_kind: "deal", field: "amount" }, null, "5"), vocab)).toBe("deal · amount");
    i18n.lang = "en";
    expect(historyField(entry({ kind: "customer", field: "grade" }, "a", null), vocab)).toBe("Grade");
    expect(historyField(entry({ kind: "task", field: "snoozed_until" }, null, "2026-03-01T08:00:00Z"), vocab)).toBe("Task · Snoozed until");
    expect(historyField(entry({ kind: "note", field: "body" }, "a", "b"), vocab)).toBe("Note · Text");
  });

  it("show vocabulary labels and local times, not keys and ISO strings", () => {
    const status = entry({ kind: "complaint", field: "status" }, "open", "handling");
    expect([historyValue(status, status.old, vocab), historyValue(status, status.new, vocab)]).toEqual(["待处理", "处理中"]);
    const grade = entry({ kind: "customer", field: "grade" }, null, "a");
    expect([historyValue(grade, grade.old, vocab), historyValue(grade, grade.new, vocab)]).toEqual(["—", "A 级"]);
    const done = entry({ kind: "task", field: "done" }, null, "2026-03-01T08:00:00Z");
    const shown = historyValue(done, done.new, vocab);
    expect(shown).not.toContain("T08");
    expect(shown).toContain("2026");
    const company = entry({ kind: "customer", field: "company" }, "旧公司", "grade");
    expect(historyValue(company, company.new, vocab)).toBe("grade");
  });
});
