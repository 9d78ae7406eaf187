import { beforeEach, describe, expect, it } from "vitest";
import type { HistoryEntry } from "../api/bindings/HistoryEntry";
import type { Vocabulary } from "../api/bindings/Vocabulary";
import { historyField, historyValue } from "./history";
import { i18n } from "./i18n.svelte";

const entry = (record_kind: string, field: string, old: string | null, next: string | null): HistoryEntry => ({
  id: 1, customer_id: 1, record_kind, record_id: 1, field, old, new: next, at: "2026-03-01T08:00:00Z",
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
    expect(historyField(entry("complaint", "status", "open", "handling"), vocab)).toBe("投诉内容 · 状态");
    expect(historyField(entry("task", "done", null, "2026-03-01T08:00:00Z"), vocab)).toBe("待办事项 · 完成时间");
    expect(historyField(entry("contact", "contact.phone", null, "13800138000"), vocab)).toBe("联系方式 · 电话");
    expect(historyField(entry("customer", "custom.合同金额", null, "5"), vocab)).toBe("合同金额");
    i18n.lang = "en";
    expect(historyField(entry("customer", "grade", "a", null), vocab)).toBe("Grade");
    expect(historyField(entry("task", "snoozed_until", null, "2026-03-01T08:00:00Z"), vocab)).toBe("Task · Snoozed until");
  });

  it("show vocabulary labels and local times, not keys and ISO strings", () => {
    const status = entry("complaint", "status", "open", "handling");
    expect([historyValue(status, status.old, vocab), historyValue(status, status.new, vocab)]).toEqual(["待处理", "处理中"]);
    const grade = entry("customer", "grade", null, "a");
    expect([historyValue(grade, grade.old, vocab), historyValue(grade, grade.new, vocab)]).toEqual(["—", "A 级"]);
    const done = entry("task", "done", null, "2026-03-01T08:00:00Z");
    const shown = historyValue(done, done.new, vocab);
    expect(shown).not.toContain("T08");
    expect(shown).toContain("2026");
    const company = entry("customer", "company", "旧公司", "grade");
    expect(historyValue(company, company.new, vocab)).toBe("grade");
  });
});
