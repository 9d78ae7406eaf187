// The desktop app's benchmark, on the benchmark notebook `make bench` keeps (100 000 customers,
// 1 000 000 notes): startup to the unlock screen, unlock to Today, search while typing (keystroke
// → results painted), scrolling the customer list end to end, and the dashboard drawn. Prints a table and one JSON line.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { launch } from "./driver.mjs";

const notebook = resolve(process.argv[2] ?? "artifacts/bench-notebook");
if (!existsSync(join(notebook, "kehu.header"))) {
  console.error(`no benchmark notebook in ${notebook}: run make bench-core first`);
  process.exit(1);
}
// KEHU_GPU=0: paint as the app does for its users (WebDriver runs otherwise keep compositing).
const env = { KEHU_NOTEBOOK: notebook, KEHU_GPU: "0" };
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
await app.find("[data-testid=today] .today-grid", 60000);
const unlockToToday = performance.now() - started;
await app.screenshot("today");
started = performance.now();
await app.click("[data-testid=nav-customers]");
await app.find("[data-testid=customer-row]", 60000);
const todayToList = performance.now() - started;

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
    await app.waitFor(async () => (await app.attr("[data-testid=search-results]", "data-measured")) === typed, typed, 10000);
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

// Scrolling, two ways. Wheel: 3 rows (132 px) per frame for 200 frames at the top, the middle and
// the end of the list; each frame's interval. Jumps: the scroll bar dragged to 20 places; the time
// until every visible row is filled.
await app.cmd("POST", "/timeouts", { script: 600000 });
const scroll = await app.jsAsync(
  `const done = arguments[arguments.length - 1];
   const list = document.querySelector('[data-testid=customer-list]');
   const frame = () => new Promise((r) => requestAnimationFrame(r));
   const filled = () => !list.querySelector('.placeholder');
   (async () => {
     const intervals = []; let blank = 0;
     for (const start of [0, 0.5, 0.985]) {
       list.scrollTop = start * list.scrollHeight;
       while (!filled()) await frame();
       let last = performance.now();
       for (let i = 0; i < 200; i++) {
         list.scrollTop += 132;
         await frame();
         const now = performance.now(); intervals.push(now - last); last = now;
         if (!filled()) blank++;
       }
     }
     const fills = [];
     for (let i = 0; i < 20; i++) {
       const started = performance.now();
       list.scrollTop = ((i * 7919) % 1000) / 1000 * list.scrollHeight;
       await frame();
       while (!filled()) await frame();
       fills.push(performance.now() - started);
     }
     done({intervals, blank, fills, rows: list.scrollHeight / 44});
   })();`,
);
await app.screenshot("list-scrolled");
const total = await app.text("[data-testid=customer-count]");

// The dashboard: from the click to every chart painted, five times (Today in between).
const dashboards = [];
for (let i = 0; i < 5; i++) {
  await app.click("[data-testid=nav-today]");
  await app.find("[data-testid=today] .today-grid", 60000);
  dashboards.push(
    await app.jsAsync(
      `const done = arguments[0];
       const started = performance.now();
       document.querySelector('[data-testid=nav-dashboard]').click();
       const frame = () => new Promise((r) => requestAnimationFrame(r));
       (async () => {
         while (document.querySelectorAll('.chart-card canvas').length < 9) await frame();
         await frame(); await frame();
         done(performance.now() - started);
       })();`,
    ),
  );
}
await app.screenshot("dashboard");
await app.quit();

const report = {
  startup_p50_ms: round(pct(startups, 50)),
  startup_max_ms: round(Math.max(...startups)),
  unlock_to_today_ms: round(unlockToToday),
  today_to_list_ms: round(todayToList),
  dashboard_p50_ms: round(pct(dashboards, 50)),
  dashboard_max_ms: round(Math.max(...dashboards)),
  search_keystrokes: latencies.length,
  search_typing_p50_ms: round(pct(latencies, 50)),
  search_typing_p99_ms: round(pct(latencies, 99)),
  search_typing_max_ms: round(Math.max(...latencies)),
  list_rows: Math.round(scroll.rows),
  wheel_frames: scroll.intervals.length,
  wheel_frame_p50_ms: round(pct(scroll.intervals, 50)),
  wheel_frame_p99_ms: round(pct(scroll.intervals, 99)),
  wheel_frame_max_ms: round(Math.max(...scroll.intervals)),
  wheel_frames_with_blank_rows: scroll.blank,
  jump_to_filled_p50_ms: round(pct(scroll.fills, 50)),
  jump_to_filled_max_ms: round(Math.max(...scroll.fills)),
  idle_frame_p50_ms: round(pct(idleFrames.slice(1), 50)),
};
console.log("slowest keystrokes (typed, to screen ms, host call ms):");
for (const k of [...keystrokes].sort((a, b) => b.latency - a.latency).slice(0, 8)) console.log(`  ${k.typed}\t${k.latency}\t${k.hostMs}`);
console.log(`desktop app on ${notebook} (${total})`);
for (const [k, v] of Object.entries(report)) console.log(`  ${k.padEnd(32)} ${v}`);
console.log(JSON.stringify(report));
