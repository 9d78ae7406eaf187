// Small helpers the backup and handover screens share.
import type { PackageInfo } from "../api/bindings/PackageInfo";
import { t } from "./i18n.svelte";

export function humanSize(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** "12 customers · 340 notes · …" for a backup or package. */
export function packageCounts(info: PackageInfo): string {
  const n = (table: string) => info.tables[table] ?? 0;
  return t("backup.counts", {
    customers: n("customer"),
    notes: n("note"),
    interactions: n("interaction"),
    tasks: n("task"),
    attachments: info.attachments,
  });
}

/** Numbers typed as "3, 5 12": the valid ones. */
export function parseIds(text: string): number[] {
  return text
    .split(/[\s,，、]+/)
    .map((s) => Number(s))
    .filter((n) => Number.isInteger(n) && n > 0);
}
