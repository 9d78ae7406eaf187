// Errors said in the user's language from the facts the core gives (`ErrorDetail`); the English
// message of an error without them is the last resort.
import type { BackupStatus } from "../api/bindings/BackupStatus";
import type { ErrorDetail } from "../api/bindings/ErrorDetail";
import type { RefusedValue } from "../api/bindings/RefusedValue";
import type { ValueProblem } from "../api/bindings/ValueProblem";
import type { MessageKey } from "./messages";

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

function valueText(problem: ValueProblem, t: Translate): string {
  switch (problem.kind) {
    case "empty":
      return t("error.value.empty");
    case "too_long":
      return t("error.value.too_long", { max: problem.max });
    case "not_a_phone":
    case "too_short_for_a_phone":
    case "not_an_email":
      return t(`error.value.${problem.kind}`, { value: problem.value });
    case "out_of_range":
      return t("error.value.out_of_range", { min: problem.min, max: problem.max });
    case "not_a_full_path":
      return t("error.value.not_a_full_path");
    case "not_a_time":
    case "not_one_of":
    case "not_a_date":
    case "not_a_link":
      return t(`error.value.${problem.kind}`, { value: problem.value });
    case "no_such_template":
      return t("error.value.no_such_template", { value: problem.name });
    case "encoding_too_narrow":
      return t("error.value.encoding_too_narrow", { value: problem.encoding });
    case "too_large":
      return t("error.value.too_large", { max: problem.max_mib });
    case "not_in_the_future":
    case "already_done":
    case "other_customer":
    case "same_customer":
    case "not_restorable":
    case "nothing_matches":
    case "folder_not_empty":
    case "handover_not_backup":
    case "no_duplicate":
    case "no_backup_password":
      return t(`error.value.${problem.kind}`);
  }
}

const TABLES = ["customer", "contact_method", "tag", "customer_tag", "note", "interaction", "task", "complaint", "secret", "attachment", "history", "access_log", "template", "saved_view", "draft"] as const;

/** A refused row's table, as the user knows its records. */
function tableName(table: string, t: Translate): string {
  return (TABLES as readonly string[]).includes(table) ? t(`table.${table}` as MessageKey) : table;
}

/** What is wrong with a refused value, without the 输入有误 a form's message starts with. */
function problemText(problem: ValueProblem, t: Translate): string {
  return valueText(problem, t).replace(/^(输入有误：|Please check: )/, "");
}

/** A stored value that does not read, as the check screen lists it. */
export function refusedText(refused: RefusedValue, t: Translate): string {
  const why = refused.problem
    ? t("error.refused_row.why", { problem: problemText(refused.problem, t) })
    : t("error.refused_row.unknown");
  return t("check.value", { table: tableName(refused.table, t), row: refused.row ?? "?", column: refused.column, why });
}

/** Why a backup failed, in the user's language where the core said what happened. */
export function backupFailure(status: BackupStatus, t: Translate): string {
  return status.detail ? detailText(status.detail, t) : (status.message ?? "");
}

/** The last part of a path, as a user knows the file they chose. */
export function fileName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

export function detailText(detail: ErrorDetail, t: Translate): string {
  switch (detail.kind) {
    case "invalid":
      return valueText(detail.problem, t);
    case "refused_row": {
      const refused = detail.value;
      const why = refused.problem
        ? t("error.refused_row.why", { problem: problemText(refused.problem, t) })
        : t("error.refused_row.unknown");
      const vars = { table: tableName(refused.table, t), row: refused.row ?? "?", column: refused.column, why };
      return detail.file == null
        ? t("error.refused_row.no_file", vars)
        : t("error.refused_row", { ...vars, file: fileName(detail.file) });
    }
    case "weak_password":
      return t(detail.backup ? "error.weak_backup_password" : "error.weak_password");
    case "search_filter":
      return t("error.search_filter", { value: detail.value, filter: t(`error.filter.${detail.filter}`) });
    case "unreadable": {
      const at = detail.line == null ? "" : t("error.at_line", { line: detail.line });
      const why = t(`error.why.${detail.why}` as MessageKey);
      return t("error.unreadable", { file: fileName(detail.file), why, at });
    }
    case "rejected":
      return t("error.rejected", { file: fileName(detail.file), count: detail.count });
    case "disk_full":
      return t("error.disk_full");
    case "file_access":
      return detail.file == null
        ? t(`error.io.${detail.cause}` as MessageKey)
        : t(`error.io_file.${detail.cause}` as MessageKey, { file: fileName(detail.file) });
    case "newer_kehu":
      return t("error.newer_kehu");
    case "notebook_damaged":
      return t("error.notebook_damaged");
    case "not_a_backup":
      return t("error.not_a_backup", { file: fileName(detail.file) });
    case "backup_damaged":
      return t("error.backup_damaged", { file: fileName(detail.file) });
  }
}
