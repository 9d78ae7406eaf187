// The desktop app's benchmark, on the benchmark notebook `make bench` keeps (100 000 customers,
// 1 000 000 notes): startup to the unlock screen, search while typing (keystroke → results
// painted), and scrolling the customer list end to end. Prints a table and one JSON line.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { launch } from "./driver.mjs";

const notebook = resolve(process.argv[2] ?? "artifacts/bench-notebook");
if (!existsSync(join(notebook, "kehu.header"))) {
  console.error(`no benchmark notebook in ${notebook}: run make bench-core first`);
  process.exit(1);
}
const env = { KEHU_NOTEBOOK: notebook };
const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const round = (v) => Math.round(v * 100) / 100;

// Startup: a new process each time, until the unlock screen is on screen.
const startups = [];
for (let i = 0; i < 5; i++) {
  const app = await launch(`bench-start-${i}`, { env });
  await app.find("[data-testid=unlock-form]");
  startups.push(performance.now() - app.sessionStarted);
  await app.quit();
}

const app = await launch("bench", { env, home: mkdtempSync(join(tmpdir(), "kehu-bench-app-")) });
await app.find("[data-testid=unlock-form]");
let started = performance.now();
await app.type("[data-testid=password]", "bench password");
await app.click("[data-testid=lock-submit]");
await app.find("[data-testid=customer-row]", 60000);
const unlockToList = performance.now() - started;

// Search while typing: every prefix of each query is one keystroke; the page measures from the
// input event to the frame that shows its results.
const queries = ["zhangwei", "预算", "合同", "wangfang", "报价单", "lw", "华为", "跟进", "chenjing", "采购"];
const latencies = [];
const keystrokes = [];
await app.keys("\uE009", "k");
await app.find("[data-testid=search-input]");
for (const query of queries) {
  await app.type("[data-testid=search-input]", "");
  let typed = "";
  for (const ch of query) {
    typed += ch;
    await app.type("[data-testid=search-input]", ch, { clear: false });
    await app.waitFor(async () => (await app.attr("[data-testid=search-results]", "data-query")) === typed, typed, 10000);
    const latency = Number(await app.attr("[data-testid=search-results]", "data-latency"));
    const hostMs = Number(await app.attr("[data-testid=search-results]", "data-host-ms"));
    latencies.push(latency);
    keystrokes.push({ typed, latency, hostMs });
  }
}
await app.screenshot("search");
const idleFrames = await app.jsAsync(
  `const done = arguments[0]; const t = []; let last = performance.now();
   const step = () => { const now = performance.now(); t.push(now - last); last = now; if (t.length < 60) requestAnimationFrame(step); else done(t); };
   requestAnimationFrame(step);`,
);
await app.keys("\uE00C");

// Scrolling: the whole list, top to bottom, one to ten screens per frame (a fast drag of the
// scroll bar); each frame's interval and whether rows were still blank when it was painted.
await app.cmd("POST", "/timeouts", { script: 600000 });
const scrollStarted = performance.now();
const scroll = await app.jsAsync(
  `const done = arguments[arguments.length - 1];
   const list = document.querySelector('[data-testid=customer-list]');
   const intervals = []; let blank = 0; let frames = 0; let last = performance.now();
   const step = () => {
     const now = performance.now(); intervals.push(now - last); last = now; frames++;
     if (list.querySelector('.placeholder')) blank++;
     if (list.scrollTop + list.clientHeight >= list.scrollHeight - 2) { done({intervals, blank, frames, rows: list.scrollHeight / 44}); return; }
     list.scrollTop += list.clientHeight * (1 + (frames % 10));
     requestAnimationFrame(step);
   };
   requestAnimationFrame(step);`,
);
const scrollSeconds = (performance.now() - scrollStarted) / 1000;
await app.screenshot("list-bottom");
const total = await app.text("[data-testid=customer-count]");
await app.quit();

const report = {
  startup_p50_ms: round(pct(startups, 50)),
  startup_max_ms: round(Math.max(...startups)),
  unlock_to_list_ms: round(unlockToList),
  search_keystrokes: latencies.length,
  search_typing_p50_ms: round(pct(latencies, 50)),
  search_typing_p99_ms: round(pct(latencies, 99)),
  search_typing_max_ms: round(Math.max(...latencies)),
  list_rows: Math.round(scroll.rows),
  scroll_frames: scroll.frames,
  scroll_seconds: round(scrollSeconds),
  scroll_frame_p50_ms: round(pct(scroll.intervals.slice(1), 50)),
  scroll_frame_p99_ms: round(pct(scroll.intervals.slice(1), 99)),
  scroll_frame_max_ms: round(Math.max(...scroll.intervals.slice(1))),
  scroll_frames_with_blank_rows: scroll.blank,
};
console.log("slowest keystrokes (typed, to screen ms, host call ms):");
for (const k of [...keystrokes].sort((a, b) => b.latency - a.latency).slice(0, 8)) console.log(`  ${k.typed}\t${k.latency}\t${k.hostMs}`);
console.log(`idle frame p50 ${pct(idleFrames.slice(1), 50)} ms`);
console.log(`desktop app on ${notebook} (${total})`);
for (const [k, v] of Object.entries(report)) console.log(`  ${k.padEnd(32)} ${v}`);
console.log(JSON.stringify(report));
