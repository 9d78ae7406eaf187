// A field path (the core's `FieldPath`: which value of which record) as the screens name it
// and show its values, for the history, the data-quality list and the handover and import
// merges alike. The path comes typed from the core; nothing here parses a string.
import type { FieldPath } from "../api/bindings/FieldPath";
import type { Vocabulary } from "../api/bindings/Vocabulary";
import { formatTime, label, t } from "./i18n.svelte";
import type { MessageKey } from "./messages";

/** Customer fields whose values are keys of a closed vocabulary. */
const VOCABULARY_FIELDS: Partial<Record<string, keyof Vocabulary>> = {
  grade: "grade",
  stage: "stage",
  colour: "colour",
  company_size: "company_size",
};

/** The path as a screen names it: `公司`, `合同号`, `联系方式 · 电话`, `待办事项 · 完成时间`. */
export function pathLabel(path: FieldPath, vocab: Vocabulary | null): string {
  switch (path.kind) {
    case "customer":
      return t(`field.${path.field}` as MessageKey);
    case "custom":
      return path.key;
    case "tag":
      return t("field.tags");
    case "contact":
      return `${t("field.contacts")} · ${label(vocab?.contact_kind, path.contact)}`;
    case "merged_from":
      return t("history.merged_from");
    case "unknown":
      return `${path.record_kind} · ${path.field}`;
    default:
      return `${t(`path.${path.kind}` as MessageKey)} · ${t(`path.${path.field}` as MessageKey)}`;
  }
}

/** One of a path's values as the screens show it: a label for a vocabulary key, a local time for an instant. */
export function pathValue(path: FieldPath, value: string | null, vocab: Vocabulary | null): string {
  if (value === null) return "—";
  switch (path.kind) {
    case "customer": {
      const vocabulary = VOCABULARY_FIELDS[path.field];
      return vocabulary && vocab ? label(vocab[vocabulary], value) : value;
    }
    case "task":
      return path.field === "done" || path.field === "snoozed_until" || path.field === "due" ? formatTime(value) : value;
    case "complaint":
      return path.field === "status" ? label(vocab?.complaint_status, value) : value;
    case "interaction":
      return path.field === "kind" ? label(vocab?.interaction_kind, value) : path.field === "at" ? formatTime(value) : value;
    case "note":
      return path.field === "at" ? formatTime(value) : value;
    default:
      return value;
  }
}

/** A key that tells paths apart, for keyed lists and sets. */
export function pathKey(path: FieldPath): string {
  return JSON.stringify(path);
}
