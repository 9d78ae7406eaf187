// How a history entry reads in the user's language: its field path and values as labels and
// local times (see fieldPath.ts), from the same messages and vocabulary as every other screen.
import type { HistoryEntry } from "../api/bindings/HistoryEntry";
import type { Vocabulary } from "../api/bindings/Vocabulary";
import { pathLabel, pathValue } from "./fieldPath";

/** The changed field as the History tab names it: `待办事项 · 完成时间`, `联系方式 · 手机`. */
export function historyField(entry: HistoryEntry, vocab: Vocabulary | null): string {
  return pathLabel(entry.path, vocab);
}

/** One of the entry's values as the screens show it. */
export function historyValue(entry: HistoryEntry, value: string | null, vocab: Vocabulary | null): string {
  return pathValue(entry.path, value, vocab);
}
