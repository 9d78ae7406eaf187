// The app's state: which phase (create / unlock / open), where the user is, privacy mode, and the
// session's life — locking hands the open editor's draft to the host before the keys go.
import { host, HostError } from "../api/client";
import type { Draft } from "../api/bindings/Draft";
import type { Settings } from "../api/bindings/Settings";
import type { Vocabulary } from "../api/bindings/Vocabulary";
import { detailText } from "./errors";
import { setLang, t } from "./i18n.svelte";

export type Route =
  | { name: "today" }
  | { name: "dashboard" }
  | { name: "customers" }
  | { name: "customer"; id: number; tab?: string; openNote?: NoteDraft }
  | { name: "settings" }
  | { name: "handover"; customerId?: number }
  | { name: "import" }
  | { name: "quality" };

export type NoteDraft = { kind: "note"; customerId: number; template: string | null; body: string };

type Phase = "loading" | "create" | "unlock" | "open";

export const app = $state({
  phase: "loading" as Phase,
  notebookDir: "",
  settings: {
    language: null,
    auto_lock_minutes: 10,
    lock_on_screen_lock: true,
    auto_backup: true,
    backup_folder: null,
    backup_keep: 10,
  } as Settings,
  osLanguage: "zh-CN" as "zh-CN" | "en",
  vocabulary: null as Vocabulary | null,
  privacy: false,
  route: { name: "today" } as Route,
  paletteOpen: false,
  lockReason: null as null | "idle" | "screen",
  pendingDraft: null as Draft | null,
  toast: null as null | { text: string; error: boolean },
  /** Bumped when an automatic backup finishes, so the backup settings refresh. */
  backupVersion: 0,
});

/** What the open editor would lose on lock; set by the editor while it is open. */
let draftProvider: (() => NoteDraft | null) | null = null;

export function provideDraft(provider: (() => NoteDraft | null) | null) {
  draftProvider = provider;
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;

export function toast(text: string, error = false) {
  app.toast = { text, error };
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (app.toast = null), error ? 6000 : 3000);
}

/** The message for an error from the host: said from its detail, or else chosen by its code. */
export function errorText(e: unknown): string {
  if (e instanceof HostError) {
    if (e.detail) return detailText(e.detail, t);
    switch (e.code) {
      case "invalid":
        return t("error.invalid", { m: e.message });
      case "not_found":
        return t("error.not_found");
      case "locked":
        return t("error.locked");
      case "wrong_password":
        return t("lock.wrong_password");
      case "in_use":
        return t("lock.in_use");
      default:
        return t("error.other", { m: e.message });
    }
  }
  return t("error.other", { m: String(e) });
}

export function showError(e: unknown) {
  if (e instanceof HostError && e.code === "locked") {
    wipe(null);
    return;
  }
  toast(errorText(e), true);
}

export function applyLanguage() {
  setLang(app.settings.language ?? app.osLanguage);
}

export async function start() {
  const state = await host.appState();
  app.notebookDir = state.notebook_dir;
  app.settings = state.settings;
  app.osLanguage = state.os_language;
  applyLanguage();
  app.phase = state.unlocked ? "open" : state.notebook_exists ? "unlock" : "create";
  if (app.phase === "open") await opened();
}

/** After unlock or creation: load what every screen needs, and offer back a kept draft. */
export async function opened() {
  app.vocabulary = await host.vocabulary();
  // Today is the start page: what to do comes before the whole list.
  app.route = { name: "today" };
  app.lockReason = null;
  app.phase = "open";
  app.pendingDraft = await host.takeDraft();
}

/** Locks now: the open editor's work goes to the host (encrypted there), then the page is wiped. */
export async function lockNow(reason: null | "idle" | "screen" = null) {
  if (app.phase !== "open") return;
  const draft = draftProvider?.() ?? null;
  try {
    await host.lock(draft ? JSON.stringify(draft) : null);
  } finally {
    wipe(reason);
  }
}

/** Returns the page to the lock screen with nothing of the notebook left in it. */
export function wipe(reason: null | "idle" | "screen") {
  draftProvider = null;
  app.paletteOpen = false;
  app.pendingDraft = null;
  app.vocabulary = null;
  app.route = { name: "today" };
  app.toast = null;
  app.lockReason = reason;
  app.phase = "unlock";
}

export function navigate(route: Route) {
  app.route = route;
}
