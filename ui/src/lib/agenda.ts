// Tasks as the page shows and edits them: a whole-day due is a calendar day (kept as that day's
// midnight UTC by the core) and is shown as that day, never shifted into the local zone; a timed
// due is an instant. Snoozing offers the usual choices, computed in local time.
import type { Lang } from "../api/bindings/Lang";

type Due = { due: string | null; all_day: boolean };

function locale(lang: Lang): string {
  return lang === "en" ? "en-GB" : "zh-CN";
}

/** The due as a person reads it: the day of a whole-day task, the date and time otherwise. */
export function formatDue(task: Due, lang: Lang): string {
  if (!task.due) return "";
  const date = new Date(task.due);
  if (task.all_day) return date.toLocaleDateString(locale(lang), { dateStyle: "medium", timeZone: "UTC" });
  return date.toLocaleString(locale(lang), { dateStyle: "medium", timeStyle: "short" });
}

/** From a date input (YYYY-MM-DD) and an optional time input (HH:MM): the due to send. */
export function dueFromInputs(date: string, time: string): { due: string; all_day: boolean } | null {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!day) return null;
  const [y, m, d] = [Number(day[1]), Number(day[2]) - 1, Number(day[3])];
  const clock = /^(\d{2}):(\d{2})$/.exec(time);
  if (!clock) return { due: new Date(Date.UTC(y, m, d)).toISOString(), all_day: true };
  return { due: new Date(y, m, d, Number(clock[1]), Number(clock[2])).toISOString(), all_day: false };
}

export type SnoozePreset = "hour" | "tomorrow" | "monday" | "week";
export const SNOOZE_PRESETS: SnoozePreset[] = ["hour", "tomorrow", "monday", "week"];

/** When a snooze chosen at `now` ends: in an hour, tomorrow 09:00, next Monday 09:00, in a week. */
export function snoozeUntil(preset: SnoozePreset, now: Date = new Date()): Date {
  const at9 = (days: number) => new Date(now.getFullYear(), now.getMonth(), now.getDate() + days, 9, 0, 0);
  switch (preset) {
    case "hour":
      return new Date(now.getTime() + 3600_000);
    case "tomorrow":
      return at9(1);
    case "monday":
      // Days until the next Monday (a week when today is Monday).
      return at9(((8 - now.getDay()) % 7) || 7);
    case "week":
      return new Date(now.getTime() + 7 * 86400_000);
  }
}
