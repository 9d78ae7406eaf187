// Small text helpers for display: masking in privacy mode, highlight ranges, file sizes.

/** A phone, email or other identifier masked for screen sharing: 138****8000, l***@example.com. */
export function mask(value: string, kind: "phone" | "email" | "secret" | "other"): string {
  if (kind === "secret") return "••••••••";
  if (kind === "email") {
    const at = value.indexOf("@");
    if (at > 0) return `${value[0]}***${value.slice(at)}`;
  }
  const chars = [...value];
  if (kind === "phone" && chars.length >= 7) return `${chars.slice(0, 3).join("")}****${chars.slice(-4).join("")}`;
  return chars.length <= 2 ? "**" : `${chars[0]}${"*".repeat(Math.min(chars.length - 2, 6))}${chars.at(-1)}`;
}

export type Segment = { text: string; hit: boolean };

/** Splits `text` into plain and highlighted segments; `ranges` are UTF-8 byte offsets from the core. */
export function highlight(text: string, ranges: Array<[number, number]>): Segment[] {
  const bytes = new TextEncoder().encode(text);
  const decoder = new TextDecoder();
  const segments: Segment[] = [];
  let at = 0;
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (start < at || end > bytes.length || start >= end) continue;
    if (start > at) segments.push({ text: decoder.decode(bytes.slice(at, start)), hit: false });
    segments.push({ text: decoder.decode(bytes.slice(start, end)), hit: true });
    at = end;
  }
  if (at < bytes.length) segments.push({ text: decoder.decode(bytes.slice(at)), hit: false });
  return segments;
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Tags typed as one string: split on commas (also 、，) and spaces. */
export function splitTags(text: string): string[] {
  return text
    .split(/[,，、\s]+/)
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}
