// The one seam between the page and the host: every call to the Tauri shell passes here, and
// this is the only file that imports @tauri-apps/api. Types come from the Rust side (ts-rs).
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { open, save } from "@tauri-apps/plugin-dialog";

import type { ExportOptions } from "./bindings/ExportOptions";
import type { ExportReport } from "./bindings/ExportReport";
import type { ImportOptions } from "./bindings/ImportOptions";
import type { ImportOutcome } from "./bindings/ImportOutcome";
import type { ImportPreview } from "./bindings/ImportPreview";
import type { Mapping } from "./bindings/Mapping";
import type { MergeOutcome } from "./bindings/MergeOutcome";
import type { Progress } from "./bindings/Progress";
import type { QualityReport } from "./bindings/QualityReport";
import type { RowDecision } from "./bindings/RowDecision";
import type { HostEvent } from "./bindings/HostEvent";
import type { NotebookCheck } from "./bindings/NotebookCheck";
import type { NotebookRepair } from "./bindings/NotebookRepair";
import type { AccessLogEntry } from "./bindings/AccessLogEntry";
import type { Agenda } from "./bindings/Agenda";
import type { Chart } from "./bindings/Chart";
import type { NewTask } from "./bindings/NewTask";
import type { Report } from "./bindings/Report";
import type { ReviewPolicy } from "./bindings/ReviewPolicy";
import type { AppState } from "./bindings/AppState";
import type { BackupOverview } from "./bindings/BackupOverview";
import type { BackupStatus } from "./bindings/BackupStatus";
import type { HandoverSelection } from "./bindings/HandoverSelection";
import type { ImportDecision } from "./bindings/ImportDecision";
import type { ImportPlan } from "./bindings/ImportPlan";
import type { ImportReport } from "./bindings/ImportReport";
import type { PackageInfo } from "./bindings/PackageInfo";
import type { Redaction } from "./bindings/Redaction";
import type { Change } from "./bindings/Change";
import type { ComplaintStatus } from "./bindings/ComplaintStatus";
import type { CustomerFacets } from "./bindings/CustomerFacets";
import type { CustomerFilter } from "./bindings/CustomerFilter";
import type { CustomerPage } from "./bindings/CustomerPage";
import type { CustomerProfile } from "./bindings/CustomerProfile";
import type { Draft } from "./bindings/Draft";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { ErrorDetail } from "./bindings/ErrorDetail";
import type { HistoryEntry } from "./bindings/HistoryEntry";
import type { IpcError } from "./bindings/IpcError";
import type { Lang } from "./bindings/Lang";
import type { NewCustomer } from "./bindings/NewCustomer";
import type { NewInteraction } from "./bindings/NewInteraction";
import type { NewNote } from "./bindings/NewNote";
import type { PasswordStrength } from "./bindings/PasswordStrength";
import type { SavedView } from "./bindings/SavedView";
import type { SearchHit } from "./bindings/SearchHit";
import type { SearchQuery } from "./bindings/SearchQuery";
import type { Secret } from "./bindings/Secret";
import type { Settings } from "./bindings/Settings";
import type { Template } from "./bindings/Template";
import type { TemplateField } from "./bindings/TemplateField";
import type { TemplateKind } from "./bindings/TemplateKind";
import type { Vocabulary } from "./bindings/Vocabulary";

/** An error from the host, with the code the UI branches on and the facts it is said from. */
export class HostError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail: ErrorDetail | null = null,
  ) {
    super(message);
  }
}

function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

async function call<T>(
  command: string,
  args?: Record<string, unknown> | Uint8Array,
  headers?: Record<string, string>,
): Promise<T> {
  try {
    return await invoke<T>(command, args, headers ? { headers } : undefined);
  } catch (e) {
    if (isIpcError(e)) throw new HostError(e.code, e.message, e.detail ?? null);
    throw new HostError("internal", String(e));
  }
}

export const host = {
  appState: () => call<AppState>("app_state"),
  passwordStrength: (password: string) => call<PasswordStrength>("password_strength", { password }),
  createNotebook: (password: string) => call<void>("create_notebook", { password }),
  unlock: (password: string) => call<void>("unlock", { password }),
  lock: (draft: string | null) => call<void>("lock", { draft }),
  activity: () => call<void>("session_activity"),
  takeDraft: () => call<Draft | null>("take_draft"),
  changePassword: (current: string, next: string) => call<void>("change_password", { current, new: next }),
  saveSettings: (settings: Settings) => call<void>("save_settings", { settings }),
  vocabulary: () => call<Vocabulary>("vocabulary"),

  listCustomers: (filter: CustomerFilter) => call<CustomerPage>("list_customers", { filter }),
  customerFacets: () => call<CustomerFacets>("customer_facets"),
  customerProfile: (id: number) => call<CustomerProfile>("customer_profile", { id }),
  addCustomer: (customer: NewCustomer) => call<number>("add_customer", { customer }),
  editCustomer: (id: number, changes: Change[]) => call<number>("edit_customer", { id, changes }),
  savedViews: () => call<SavedView[]>("saved_views"),
  saveView: (name: string, filter: CustomerFilter) => call<number>("save_view", { name, filter }),
  deleteView: (id: number) => call<void>("delete_view", { id }),
  history: (customerId: number) => call<HistoryEntry[]>("history", { customerId }),
  restoreHistory: (entryId: number) => call<void>("restore_history", { entryId }),
  templates: (kind: TemplateKind | null, lang: Lang) => call<Template[]>("templates", { kind, lang }),
  saveTemplate: (t: {
    kind: TemplateKind;
    name: string;
    language: Lang;
    description: string;
    fields: TemplateField[];
    body: string;
  }) => call<number>("save_template", t),
  deleteTemplate: (kind: TemplateKind, name: string) => call<void>("delete_template", { kind, name }),

  addNote: (note: NewNote) => call<number>("add_note", { note }),
  renderMarkdown: (markdown: string) => call<string>("render_markdown", { markdown }),
  openLink: (url: string) => call<void>("open_link", { url }),
  addInteraction: (interaction: NewInteraction) => call<number>("add_interaction", { interaction }),
  addTask: (task: NewTask) => call<number>("add_task", { task }),
  completeTask: (id: number) => call<void>("complete_task", { id }),
  snoozeTask: (id: number, until: string) => call<void>("snooze_task", { id, until }),

  agenda: (days: number) => call<Agenda>("agenda", { days }),
  markReviewed: (customerId: number) => call<void>("mark_reviewed", { customerId }),
  reviewPolicy: () => call<ReviewPolicy>("review_policy"),
  setReviewPolicy: (policy: ReviewPolicy) => call<void>("set_review_policy", { policy }),
  report: (lang: Lang) => call<Report>("report", { lang }),
  saveChartCsv: (chart: Chart, lang: Lang, path: string) => call<void>("save_chart_csv", { chart, lang, path }),
  saveChartPng: (path: string, png: Uint8Array) => call<void>("save_chart_png", png, { "x-path": encodeURIComponent(path) }),
  addComplaint: (customerId: number, title: string, detail: string | null) =>
    call<number>("add_complaint", { customerId, title, detail }),
  setComplaintStatus: (id: number, status: ComplaintStatus) => call<void>("set_complaint_status", { id, status }),
  addSecret: (s: { customerId: number; label: string; username: string | null; url: string | null; password: string }) =>
    call<number>("add_secret", s),
  revealSecret: (id: number) => call<Secret>("reveal_secret", { id }),
  copySecret: (id: number) => call<number>("copy_secret", { id }),
  addAttachment: (customerId: number, file: File) =>
    file.arrayBuffer().then((bytes) =>
      call<number>("add_attachment", new Uint8Array(bytes), {
        "x-customer-id": String(customerId),
        "x-file-name": encodeURIComponent(file.name),
      }),
    ),
  attachmentData: (id: number) => call<ArrayBuffer>("attachment_data", { id }),
  saveAttachment: async (id: number, name: string): Promise<boolean> => {
    const path = await save({ defaultPath: name });
    if (!path) return false;
    await call<void>("save_attachment", { id, path });
    return true;
  },
  accessLog: (limit: number) => call<AccessLogEntry[]>("access_log", { limit }),
  checkNotebook: () => call<NotebookCheck>("check_notebook"),
  repairNotebook: () => call<NotebookRepair>("repair_notebook"),
  search: (query: Partial<SearchQuery> & { text: string }) => call<SearchHit[]>("search", { query }),

  backupOverview: () => call<BackupOverview>("backup_overview"),
  setBackupPassword: (password: string | null) => call<void>("set_backup_password", { password }),
  backupNow: () => call<BackupStatus | null>("backup_now"),
  exportBackup: (path: string, password: string) => call<PackageInfo>("export_backup", { path, password }),
  verifyBackup: (path: string, password: string) => call<PackageInfo>("verify_backup", { path, password }),
  restoreBackup: (path: string, password: string, masterPassword: string) =>
    call<PackageInfo>("restore_backup", { path, password, masterPassword }),
  saveRecoverySheet: (path: string, lang: Lang) => call<void>("save_recovery_sheet", { path, lang }),
  handoverExport: (selection: HandoverSelection, redaction: Redaction, path: string, password: string) =>
    call<PackageInfo>("handover_export", { selection, redaction, path, password }),
  handoverPlan: (path: string, password: string) => call<ImportPlan>("handover_plan", { path, password }),
  handoverImport: (path: string, password: string, decisions: ImportDecision[]) =>
    call<ImportReport>("handover_import", { path, password, decisions }),

  importPreview: (path: string, options: ImportOptions) => call<ImportPreview>("import_preview", { path, options }),
  importRun: (path: string, options: ImportOptions, decisions: RowDecision[]) =>
    call<ImportOutcome>("import_run", { path, options, decisions }),
  exportCustomers: (path: string, options: ExportOptions) => call<ExportReport>("export_customers", { path, options }),
  importMappings: () => call<string[]>("import_mappings"),
  importMapping: (name: string) => call<Mapping>("import_mapping", { name }),
  saveImportMapping: (name: string, mapping: Mapping) => call<void>("save_import_mapping", { name, mapping }),
  qualityReport: (threshold: number) => call<QualityReport>("quality_report", { threshold }),
  mergeCustomers: (keep: number, other: number) => call<MergeOutcome>("merge_customers", { keep, other }),

  /** A spreadsheet, CSV, vCard or kehu JSON file to import. */
  chooseImportFile: async (): Promise<string | null> =>
    (await open({
      multiple: false,
      directory: false,
      filters: [{ name: "CSV / Excel / vCard / JSON", extensions: ["csv", "txt", "xlsx", "xls", "vcf", "json"] }],
    })) ?? null,
  /** The system's file chooser: a file to open, a folder, or where to save. Null if cancelled. */
  chooseFile: async (): Promise<string | null> =>
    (await open({ multiple: false, directory: false, filters: [{ name: "age", extensions: ["age"] }] })) ?? null,
  chooseFolder: async (): Promise<string | null> => (await open({ multiple: false, directory: true })) ?? null,
  chooseSavePath: async (defaultPath: string): Promise<string | null> => (await save({ defaultPath })) ?? null,
};

/** Listens for the progress of long imports and exports. */
export function onProgress(handler: (progress: Progress) => void): Promise<UnlistenFn> {
  return listen<Progress>("progress" satisfies HostEvent, (e) => handler(e.payload));
}

/** Listens for the outcome of automatic backups. */
export function onBackupEvent(handler: (status: BackupStatus) => void): Promise<UnlistenFn> {
  return listen<BackupStatus>("backup" satisfies HostEvent, (e) => handler(e.payload));
}

/** Listens for tasks falling due (the host has shown their notifications); gives their ids. */
export function onReminder(handler: (ids: number[]) => void): Promise<UnlistenFn> {
  return listen<number[]>("reminder" satisfies HostEvent, (e) => handler(e.payload));
}

/** Listens for an event from the host; returns the function that stops listening. */
export function onHostEvent(
  event: Extract<HostEvent, "lock-requested" | "locked">,
  handler: (why: string) => void,
): Promise<UnlistenFn> {
  return listen<string | null>(event, (e) => handler(e.payload ?? ""));
}
