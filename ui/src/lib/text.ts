// Small text helpers for display: highlight ranges, file sizes, tags typed as one string.
// (Masking for privacy mode is the core's: `masked` comes with each value.)

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
