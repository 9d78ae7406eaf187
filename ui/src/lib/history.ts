// How a history entry reads in the user's language. The core records keys and raw values
// (`status`: `open` → `handling`, `done`: an RFC 3339 instant, `contact.phone`); this turns them
// into the labels every other screen shows, from the same messages and vocabulary.
import type { HistoryEntry } from "../api/bindings/HistoryEntry";
import type { Vocabulary } from "../api/bindings/Vocabulary";
import { formatTime, label, t } from "./i18n.svelte";
import type { MessageKey } from "./messages";

const PROFILE_FIELDS = ["name", "company", "title", "industry", "company_size", "region", "source", "grade",
  "stage", "colour", "birthday", "template"];

/** Customer fields whose values are keys of a closed vocabulary. */
const VOCABULARY_FIELDS: Partial<Record<string, keyof Vocabulary>> = {
  grade: "grade",
  stage: "stage",
  colour: "colour",
  company_size: "company_size",
};

/** The changed field as the History tab names it: `待办 · 完成时间`, `联系方式 · 手机`. */
export function historyField(entry: HistoryEntry, vocab: Vocabulary | null): string {
  const { field } = entry;
  if (entry.record_kind === "task") {
    if (field === "done") return `${t("task.title")} · ${t("history.task_done")}`;
    if (field === "snoozed_until") return `${t("task.title")} · ${t("history.task_snoozed")}`;
  }
  if (entry.record_kind === "complaint" && field === "status") return `${t("complaint.title")} · ${t("complaint.status")}`;
  if (field === "tag") return t("field.tags");
  if (field === "merged_from") return t("history.merged_from");
  if (PROFILE_FIELDS.includes(field)) return t(`field.${field}` as MessageKey);
  if (field.startsWith("custom.")) return field.slice("custom.".length);
  if (field.startsWith("contact.")) return `${t("field.contacts")} · ${label(vocab?.contact_kind, field.slice("contact.".length))}`;
  return field;
}

/** One of the entry's values as the screens show it: a label for a vocabulary key, a local time for an instant. */
export function historyValue(entry: HistoryEntry, value: string | null, vocab: Vocabulary | null): string {
  if (value === null) return "—";
  if (entry.record_kind === "task" && (entry.field === "done" || entry.field === "snoozed_until")) return formatTime(value);
  if (entry.record_kind === "complaint" && entry.field === "status") return label(vocab?.complaint_status, value);
  const vocabulary = entry.record_kind === "customer" ? VOCABULARY_FIELDS[entry.field] : undefined;
  if (vocabulary && vocab) return label(vocab[vocabulary], value);
  return value;
}
