// The UI language: follows the OS unless the settings choose one; `t()` reads it reactively.
import type { Lang } from "../api/bindings/Lang";
import type { VocabEntry } from "../api/bindings/VocabEntry";
import { en, zhCN, type MessageKey } from "./messages";

const dictionaries: Record<Lang, Record<MessageKey, string>> = { "zh-CN": zhCN, en };

export const i18n = $state<{ lang: Lang }>({ lang: "zh-CN" });

export function setLang(lang: Lang) {
  i18n.lang = lang;
  document.documentElement.lang = lang;
}

/** A message, with `{name}` placeholders filled from `vars`. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text = dictionaries[i18n.lang][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

/** A vocabulary value's label (grades, stages…) in the current language, from the core's list. */
export function label(entries: VocabEntry[] | undefined, key: string | null | undefined): string {
  if (!key) return "";
  const entry = entries?.find((e) => e.key === key);
  if (!entry) return key;
  return i18n.lang === "en" ? entry.en : entry.zh;
}

export function formatTime(iso: string | null | undefined, withTime = true): string {
  if (!iso) return "";
  const date = new Date(iso);
  const locale = i18n.lang === "en" ? "en-GB" : "zh-CN";
  return withTime
    ? date.toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" })
    : date.toLocaleDateString(locale, { dateStyle: "medium" });
}
