// End-to-end: the agenda — Today as the start page (empty, then full), a follow-up plan note
// creating its task, a task completed and one closed by a call, a complaint on the customer and on
// Today, a desktop notification when a task falls due (a notification service of our own on a
// private session bus records it), and the dashboard drawing its charts, saved as PNG and CSV.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { launch } from "./driver.mjs";
import { addCustomer, createNotebook, filesContaining, sessionBus, toCustomers } from "./helpers.mjs";

const cleanups = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A private session bus with our notification service on it; returns the bus and its log. */
async function notificationService() {
  const bus = await sessionBus(cleanups);
  const log = join(mkdtempSync(join(tmpdir(), "kehu-notifications-")), "shown.jsonl");
  const service = spawn("/usr/bin/python3", [resolve(import.meta.dirname, "notifications.py"), log], {
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus },
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanups.push(async () => service.kill());
  await new Promise((done, fail) => {
    service.stdout.once("data", done);
    service.once("exit", (code) => fail(new Error(`notification service exited (${code})`)));
  });
  const shown = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : []);
  return { bus, shown };
}

const pad = (n) => String(n).padStart(2, "0");
const isoDate = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** Sets an input's value as typing would (Svelte listens for `input`). */
async function fill(app, css, value) {
  await app.find(css);
  await app.js(
    "const el = document.querySelector(arguments[0]); el.value = arguments[1]; el.dispatchEvent(new Event('input', {bubbles: true}));",
    [css, value],
  );
}

const bodyText = (app) => app.js("return document.body.innerText");

test("Today, follow-ups, a reminder notification and the dashboard", async () => {
  const { bus, shown } = await notificationService();
  const app = await launch("agenda", { env: { DBUS_SESSION_BUS_ADDRESS: bus } });
  cleanups.push(() => app.quit());

  // A new notebook opens on Today, with nothing to do.
  await createNotebook(app, undefined, { stay: true });
  await app.find("[data-testid=today-all-clear]");
  assert.match(await app.text("[data-testid=today-review]"), /所有客户都在回访周期内/);
  await app.screenshot("today-empty");

  // A VIP customer whose birthday is in three days.
  const inThreeDays = new Date(Date.now() + 3 * 86400_000);
  await toCustomers(app);
  await addCustomer(app, { name: "张伟", company: "华为技术有限公司", grade: "vip", birthday: `1980${isoDate(inThreeDays).slice(4)}` });

  // A task due in the coming minute: it falls due while the test goes on.
  const due = new Date(Date.now() + 60_000);
  await app.click("[data-testid=tab-tasks]");
  await app.type("[data-testid=task-title]", "寄送报价单");
  await fill(app, "[data-testid=task-date]", isoDate(due));
  await fill(app, "[data-testid=task-time]", `${pad(due.getHours())}:${pad(due.getMinutes())}`);
  await app.click("[data-testid=task-add]");
  await app.waitFor(async () => (await app.findAll("[data-testid=task]")).length === 1, "task listed");

  // A follow-up plan note with a next date creates its task.
  const tomorrow = new Date(Date.now() + 86400_000);
  await app.click("[data-testid=tab-timeline]");
  await app.click("[data-testid=new-note]");
  await app.select("[data-testid=note-template]", "跟进计划");
  await app.waitFor(async () => (await app.js("return document.querySelector('[data-testid=note-body]').value")).includes("下次跟进日期"), "template body");
  const body = await app.js("return document.querySelector('[data-testid=note-body]').value");
  await fill(app, "[data-testid=note-body]", body.replace("**目标**：", "**目标**：确认第二期报价").replace("**下次跟进日期**：", `**下次跟进日期**：${isoDate(tomorrow)}`));
  await app.click("[data-testid=note-save]");
  await app.find("[data-testid=timeline-note]");
  await app.click("[data-testid=tab-tasks]");
  await app.waitFor(async () => (await app.text(".tab-body .list")).includes("跟进：确认第二期报价"), "task from the note");
  assert.match(await app.text(".tab-body .list"), /来自跟进计划笔记/);

  // A third task, closed by logging the call that settles it.
  await app.type("[data-testid=task-title]", "电话确认交期");
  await app.click("[data-testid=task-add]");
  await app.waitFor(async () => (await app.findAll("[data-testid=task]")).length === 3, "three tasks");
  await app.click("[data-testid=tab-timeline]");
  await app.click("[data-testid=new-interaction]");
  await app.type("[data-testid=interaction-summary]", "已确认交期为下月初");
  const closes = await app.js(
    "return [...document.querySelectorAll('[data-testid=interaction-closes-task] option')].find(o => o.textContent === '电话确认交期').value",
  );
  await app.select("[data-testid=interaction-closes-task]", closes);
  await app.click("[data-testid=interaction-form] button[type=submit]");
  await app.find("[data-testid=timeline-interaction]");
  await app.click("[data-testid=tab-tasks]");
  await app.waitFor(async () => (await app.text(".tab-body .list")).includes("随一次互动完成"), "closed by the call");

  // A complaint: shown on the customer's header, and on Today.
  await app.click("[data-testid=tab-complaints]");
  await app.type("[data-testid=complaint-title]", "发货延迟三天");
  await app.click("[data-testid=complaint-add]");
  await app.waitFor(async () => (await app.text("[data-testid=open-complaints]")).includes("1 条未解决投诉"), "complaint chip");

  // Today: the note's follow-up coming up, the birthday, the complaint.
  await app.click("[data-testid=nav-today]");
  await app.find("[data-testid=today]");
  await app.waitFor(async () => (await app.text("[data-testid=today-upcoming]")).includes("跟进：确认第二期报价"), "upcoming follow-up");
  const occasions = await app.text("[data-testid=today-occasions]");
  assert.match(occasions, /张伟/);
  assert.match(occasions, /3 天后/);
  assert.match(occasions, /\d+ 岁/);
  assert.match(await app.text("[data-testid=today-complaints]"), /发货延迟三天/);

  // The task falls due: a desktop notification, and Today moves it among today's.
  await app.waitFor(async () => shown().some((n) => n.body === "寄送报价单 — 张伟"), "reminder notification", 90_000);
  const [note] = shown();
  assert.equal(note.summary, "客户本 · 跟进到期");
  assert.equal(shown().length, 1, "one notification for one task");
  await app.waitFor(async () => /寄送报价单/.test(await app.text("[data-testid=today-due]")), "due task on Today", 15_000);
  await app.screenshot("today");

  // Complete it from Today; snooze the note's follow-up out of the list.
  await app.click("[data-testid=today-due] [data-testid=task-done]");
  await app.waitFor(async () => !/寄送报价单/.test(await app.text("[data-testid=today-due]")), "task completed");
  await app.select("[data-testid=today-upcoming] [data-testid=task-snooze]", "week");
  await app.waitFor(async () => (await app.text("[data-testid=today-upcoming] details summary")).includes("已推迟 (1)"), "snoozed");
  await sleep(12_000);
  assert.equal(shown().length, 1, "a completed task is not reminded again");

  // The dashboard draws every chart.
  await app.click("[data-testid=nav-dashboard]");
  await app.find("[data-testid=dashboard]");
  await app.waitFor(async () => (await app.findAll(".chart-card canvas")).length === 9, "nine charts");
  const painted = await app.js(`return [...document.querySelectorAll('.chart-card canvas')].map((c) => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let coloured = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240) coloured++;
    return coloured;
  })`);
  assert.ok(painted.every((n) => n > 200), `every chart has something drawn: ${painted}`);
  assert.match(await app.text("[data-testid=chart-grade]"), /客户等级/);
  assert.match(await app.text("[data-testid=dashboard-total]"), /客户总数：1/);
  await app.screenshot("dashboard");

  // Save the grade chart as a picture and its data as CSV.
  const out = mkdtempSync(join(tmpdir(), "kehu-charts-"));
  await app.click("[data-testid=chart-save-grade]");
  await app.type("[data-testid=chart-path]", join(out, "grade.png"));
  await app.click("[data-testid=chart-save-confirm]");
  await app.waitFor(async () => existsSync(join(out, "grade.png")), "PNG saved");
  const png = readFileSync(join(out, "grade.png"));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(png.length > 2000, `a real picture (${png.length} bytes)`);
  await app.click("[data-testid=chart-save-grade]");
  await app.click("[data-testid=chart-format-csv]");
  await app.type("[data-testid=chart-path]", join(out, "grade.csv"));
  await app.click("[data-testid=chart-save-confirm]");
  await app.waitFor(async () => existsSync(join(out, "grade.csv")), "CSV saved");
  assert.equal(readFileSync(join(out, "grade.csv"), "utf8"), "\ufeff等级,数量\n重要客户,1\n普通客户,0\n潜在客户,0\n");
  // A relative path is refused with a clear error.
  await app.click("[data-testid=chart-save-grade]");
  await app.type("[data-testid=chart-path]", "grade.png");
  await app.click("[data-testid=chart-save-confirm]");
  assert.match(await app.text("[data-testid=chart-error]"), /请填写完整路径/);
  await app.keys("\uE00C");

  // In English, the same figures with English labels.
  await app.click("[data-testid=nav-settings]");
  await app.select("[data-testid=settings-language]", "en");
  await app.click("[data-testid=nav-dashboard]");
  await app.waitFor(async () => /Customers by grade/.test(await app.text("[data-testid=chart-grade]")), "English charts");
  await app.screenshot("dashboard-en");
  await app.click("[data-testid=nav-today]");
  await app.waitFor(async () => /Birthdays and anniversaries/.test(await bodyText(app)), "English Today");
  await app.screenshot("today-en");

  await app.quit();
  for (const needle of ["寄送报价单", "确认第二期报价", "发货延迟三天"]) {
    assert.deepEqual(filesContaining(app.home, needle), [], `${needle} written in plaintext`);
  }
});
