// End-to-end: a customer's records beyond notes — interactions, tasks, complaints, attachments,
// edits and their history — and the list's filters and saved views.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";

import { launch } from "./driver.mjs";
import { addCustomer, createNotebook } from "./helpers.mjs";

const apps = [];
after(async () => Promise.all(apps.map((a) => a.quit())));

/** A stand-in for the desktop's `xdg-open`: it records what the app asked it to open. */
function recordingOpener() {
  const bin = mkdtempSync(join(tmpdir(), "kehu-e2e-opener-"));
  const opener = join(bin, "xdg-open");
  writeFileSync(opener, '#!/bin/sh\nprintf "%s\\n" "$1" >> "$HOME/opened-links"\n');
  chmodSync(opener, 0o755);
  return bin;
}

test("records, attachments, history restore, a note's link, filters and saved views", async () => {
  const app = await launch("records", { env: { PATH: `${recordingOpener()}:${process.env.PATH}` } });
  apps.push(app);
  await createNotebook(app);
  await addCustomer(app, { name: "陈静", company: "杭州云栖科技", region: "杭州", grade: "vip", colour: "red", tags: "重点" });

  // An interaction, a task done, a complaint moved on.
  await app.click("[data-testid=tab-timeline]");
  await app.click("[data-testid=new-interaction]");
  await app.type("[data-testid=interaction-summary]", "电话沟通续约意向");
  await app.click("[data-testid=interaction-form] button[type=submit]");
  await app.find("[data-testid=timeline-interaction]");
  await app.click("[data-testid=tab-tasks]");
  await app.type("[data-testid=task-title]", "周五前发报价单");
  await app.click(".tab-body form button[type=submit]");
  await app.waitFor(async () => (await app.js("return document.querySelector('.tab-body .list')?.innerText ?? ''")).includes("周五前发报价单"), "task listed");
  await app.click(".tab-body .list li button");
  await app.waitFor(async () => (await app.js("return document.querySelectorAll('.tab-body .list li.done').length")) === 1, "task done");
  await app.click("[data-testid=tab-complaints]");
  await app.type(".tab-body form input", "发票开错");
  await app.click(".tab-body form button[type=submit]");
  await app.find(".tab-body .list li select");
  await app.select(".tab-body .list li select", "handling");
  await app.waitFor(async () => (await app.js("return document.querySelector('.tab-body .list li select').value")) === "handling", "complaint handling");
  await app.screenshot("complaints");

  // An attachment: added through the file picker, opened in the app.
  await app.click("[data-testid=tab-attachments]");
  const id = await app.cmd("POST", "/element", { using: "css selector", value: "[data-testid=attachment-input]" });
  await app.cmd("POST", `/element/${Object.values(id)[0]}/value`, { text: resolve("assets/icons/128x128.png") });
  await app.find("[data-testid=attachment-row]");
  await app.click("[data-testid=attachment-open]");
  await app.find("[data-testid=attachment-image]");
  await app.waitFor(async () => (await app.js("return document.querySelector('[data-testid=attachment-image]').naturalWidth")) === 128, "image shown");
  await app.screenshot("attachment");
  await app.keys("\uE00C");

  // An edit, then its old value restored from the history.
  await app.click("[data-testid=edit-customer]");
  await app.type("[data-testid=field-company]", "杭州云栖科技有限公司");
  await app.click("[data-testid=save-customer]");
  await app.gone("[data-testid=customer-form]");
  await app.click("[data-testid=tab-history]");
  await app.find("[data-testid=history-restore]");
  // The task's and complaint's changes read as the other tabs do: labels, not keys or ISO times.
  const history = await app.text("[data-testid=history]");
  for (const shown of ["待办事项 · 完成时间", "投诉 · 状态", "处理中"]) assert.ok(history.includes(shown), `${shown} in ${history}`);
  for (const raw of ["handling", "done", "status", "T0", "T1", "T2"]) assert.ok(!history.includes(raw), `${raw} in ${history}`);
  await app.screenshot("history");
  await app.click("[data-testid=history-restore]");
  await app.waitFor(async () => (await app.text(".customer-head .muted")).endsWith("杭州云栖科技"), "company restored");

  // A link in a note asks before it opens, naming the address, and opens in the browser only
  // when confirmed; nothing navigates the window away from kehu.
  const link = "https://yunqi.example.com/portal/login";
  await app.click("[data-testid=tab-timeline]");
  await app.click("[data-testid=new-note]");
  await app.type("[data-testid=note-body]", `客户门户：[云栖门户](${link})，协议相对链接 [别处](//evil.example/x)`);
  await app.click("[data-testid=note-save]");
  await app.find("[data-testid=timeline-note] .markdown a");
  const hrefs = await app.js("return [...document.querySelectorAll('[data-testid=timeline-note] .markdown a')].map(a => a.getAttribute('href'))");
  assert.deepEqual(hrefs.filter(Boolean), [link], "a protocol-relative link is not a link");
  await app.click("[data-testid=timeline-note] .markdown a[href]");
  await app.find("[data-testid=link-address]");
  assert.equal(await app.text("[data-testid=link-address]"), link);
  await app.screenshot("note-link-asks");
  await app.click("[data-testid=link-cancel]");
  await app.gone("[data-testid=link-address]");
  const opened = join(app.home, "opened-links");
  assert.ok(!existsSync(opened), "nothing opened on cancel");
  await app.click("[data-testid=timeline-note] .markdown a[href]");
  await app.click("[data-testid=link-open]");
  await app.waitFor(async () => existsSync(opened) && readFileSync(opened, "utf8").trim() === link, "the browser asked to open the link");
  // The navigation guard: a page trying to leave the app stays in it.
  const before = await app.js("return location.href");
  await app.js("window.location.href = 'https://evil.example/lock-screen'; return true");
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await app.js("return location.href"), before);
  assert.equal(await app.text("[data-testid=customer-name]"), "陈静");

  // Filters and a saved view.
  await app.click("[data-testid=nav-customers]");
  await addCustomer(app, { name: "刘洋", company: "成都天府物流", region: "成都", grade: "potential" });
  await app.click("[data-testid=nav-customers]");
  await app.waitFor(async () => (await app.text("[data-testid=customer-count]")).includes("2"), "two customers");
  await app.select("[data-testid=filter-grade]", "vip");
  await app.waitFor(async () => (await app.text("[data-testid=customer-count]")).includes("1"), "filtered to one");
  await app.click("[data-testid=save-view]");
  await app.type("[data-testid=view-name]", "重要客户");
  await app.click(".views form button[type=submit]");
  await app.find("[data-testid=views] option[value='1']");
  await app.click("[data-testid=clear-filters]");
  await app.waitFor(async () => (await app.text("[data-testid=customer-count]")).includes("2"), "filters cleared");
  await app.select("[data-testid=views]", "1");
  await app.waitFor(async () => (await app.text("[data-testid=customer-count]")).includes("1"), "view applied");
  const rows = await app.js("return [...document.querySelectorAll('[data-testid=customer-row]')].map(r => r.innerText)");
  assert.equal(rows.length, 1);
  assert.match(rows[0], /陈静/);
  await app.select("[data-testid=sort]", "name");
  await app.screenshot("saved-view");
});
