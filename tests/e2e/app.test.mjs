// End-to-end: the real desktop app in its WebKitGTK webview under Xvfb, driven through
// tauri-driver + WebKitWebDriver as a salesperson would use it. Screenshots go to artifacts/e2e/.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { launch } from "./driver.mjs";
import { PASSWORD, addCustomer, createNotebook, filesContaining, unlock } from "./helpers.mjs";

const CANARY = "金丝雀Canary7f3e9";
const SECRET = "门户密码Pw-5b21c8";
const apps = [];
after(async () => Promise.all(apps.map((a) => a.quit())));
afterEach((t) => {
  // When a step fails, what the app said on stderr is the first thing to read.
  if (!t.passed) for (const app of apps) console.error(`--- ${app.name} stderr ---\n${app.stderr().slice(-4000)}`);
});

async function start(name, options) {
  const app = await launch(name, options);
  apps.push(app);
  return app;
}

function clipboard(target = "UTF8_STRING") {
  try {
    return execFileSync("xclip", ["-o", "-selection", "clipboard", "-t", target], { timeout: 3000, stdio: ["ignore", "pipe", "ignore"] }).toString();
  } catch {
    return "";
  }
}

test("a salesperson's day: create, add, note, search, credentials, privacy, lock", async () => {
  const app = await start("day", { env: { KEHU_CLIPBOARD_CLEAR_SECONDS: "3" } });

  // Create: a weak password is refused with its strength shown.
  await app.find("[data-testid=create-form]");
  await app.type("[data-testid=password]", "123456");
  await app.type("[data-testid=password-confirm]", "123456");
  await app.waitFor(async () => (await app.attr("[data-testid=strength]", "data-score")) === "0", "weak score");
  await app.click("[data-testid=lock-submit]");
  assert.match(await app.text("[data-testid=lock-error]"), /太容易被猜到/);
  await app.screenshot("weak-password");
  await createNotebook(app);
  await app.find("[data-testid=customers-empty]");
  await app.screenshot("empty-list");

  // A customer with Chinese fields.
  await addCustomer(
    app,
    { name: "张伟", company: "华为技术有限公司", title: "采购经理", industry: "通信", region: "深圳", tags: "重点，华南", grade: "vip" },
    { phone: "138 0013 8000", email: "zhangwei@example.com" },
  );
  await app.screenshot("customer-profile");
  assert.equal(await app.text("[data-testid=contact-value]"), "138 0013 8000");

  // A note from the 沟通记录 template, with hostile markup and a canary in it.
  await app.click("[data-testid=tab-timeline]");
  await app.click("[data-testid=new-note]");
  await app.find("[data-testid=note-template] option[value=沟通记录]");
  await app.select("[data-testid=note-template]", "沟通记录");
  await app.waitFor(async () => (await app.js("return document.querySelector('[data-testid=note-body]').value")).length > 10, "template text");
  const templateText = await app.js("return document.querySelector('[data-testid=note-body]').value");
  await app.type(
    "[data-testid=note-body]",
    `\n讨论了预算审批流程 ${CANARY}\n\n<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>\n`,
    { clear: false },
  );
  await app.click("[data-testid=note-save]");
  await app.find("[data-testid=timeline-note]");
  const rendered = await app.js(
    "const m = document.querySelector('[data-testid=timeline-note] .markdown'); return {html: m.innerHTML, imgs: m.querySelectorAll('img,script,iframe').length, pwned: window.__pwned ?? null, text: m.innerText};",
  );
  assert.equal(rendered.imgs, 0, rendered.html);
  assert.equal(rendered.pwned, null);
  assert.ok(rendered.text.includes("<img src=x"), "the markup is shown as text");
  assert.ok(rendered.text.includes(templateText.split("\n")[0].replace(/^#+\s*/, "")), "the template's heading is there");
  await app.screenshot("note-rendered-inert");

  // Search everywhere: a Chinese word, then pinyin.
  await app.keys("\uE009", "k");
  await app.type("[data-testid=search-input]", "预算");
  await app.waitFor(async () => (await app.attr("[data-testid=search-results]", "data-query")) === "预算", "results for 预算");
  const noteHit = await app.js("return [...document.querySelectorAll('[data-testid=search-hit]')].map(h => h.dataset.kind + ':' + h.innerText)");
  assert.ok(noteHit.some((h) => h.startsWith("note:") && h.includes("预算")), noteHit.join("\n"));
  assert.ok((await app.js("return document.querySelectorAll('[data-testid=search-hit] mark').length")) > 0, "highlighted");
  await app.screenshot("search-chinese");
  await app.type("[data-testid=search-input]", "zhangwei");
  await app.waitFor(async () => (await app.attr("[data-testid=search-results]", "data-query")) === "zhangwei", "results for zhangwei");
  const pinyinHits = await app.js("return [...document.querySelectorAll('[data-testid=search-hit]')].map(h => h.dataset.kind + ':' + h.innerText)");
  assert.ok(pinyinHits.some((h) => h.startsWith("customer:") && h.includes("张伟")), pinyinHits.join("\n"));
  await app.screenshot("search-pinyin");
  // A filter with a value it does not take is said under the input, in Chinese, not as a toast;
  // the value finished, the results come back.
  await app.type("[data-testid=search-input]", "等级：金牌");
  await app.waitFor(async () => (await app.text("[data-testid=search-error]").catch(() => "")) !== "", "filter error");
  assert.equal(await app.text("[data-testid=search-error]"), "搜索条件有误：「金牌」不是有效的等级。");
  assert.equal(await app.js("return document.querySelectorAll('[data-testid=toast].error').length"), 0, "no error toast");
  await app.screenshot("search-filter-error");
  await app.type("[data-testid=search-input]", "zhangwei 等级:普通客户");
  await app.waitFor(
    async () => (await app.attr("[data-testid=search-results]", "data-query")) === "zhangwei 等级:普通客户",
    "results with the filter",
  );
  assert.equal(await app.js("return document.querySelectorAll('[data-testid=search-error]').length"), 0);
  await app.type("[data-testid=search-input]", "zhangwei");
  await app.waitFor(async () => (await app.attr("[data-testid=search-results]", "data-query")) === "zhangwei", "zhangwei again");
  // While an input method composes (拼音 typed, 汉字 not yet chosen) nothing is searched.
  const composing = await app.jsAsync(
    `const done = arguments[0]; const input = document.querySelector('[data-testid=search-input]');
     input.dispatchEvent(new CompositionEvent('compositionstart', {data: ''}));
     input.value = 'yu'; input.dispatchEvent(new InputEvent('input', {data: 'yu', isComposing: true}));
     setTimeout(() => {
       const during = document.querySelector('[data-testid=search-results]').dataset.query;
       input.value = '预算'; input.dispatchEvent(new InputEvent('input', {data: '预算', isComposing: true}));
       input.dispatchEvent(new CompositionEvent('compositionend', {data: '预算'}));
       setTimeout(() => done({during, after: document.querySelector('[data-testid=search-results]').dataset.query}), 1500);
     }, 500);`,
  );
  assert.deepEqual(composing, { during: "zhangwei", after: "预算" });
  await app.type("[data-testid=search-input]", "zhangwei");
  await app.waitFor(async () => (await app.attr("[data-testid=search-results]", "data-query")) === "zhangwei", "results again");
  await app.click("[data-testid=search-hit][data-kind=customer]");
  await app.gone("[data-testid=palette]");
  assert.equal(await app.text("[data-testid=customer-name]"), "张伟");

  // A credential: hidden, revealed, copied (marked for clipboard managers), cleared.
  await app.click("[data-testid=tab-secrets]");
  await app.click("[data-testid=add-secret]");
  await app.type("[data-testid=secret-label]", "华为采购门户");
  await app.type("[data-testid=secret-username]", "zhangwei");
  await app.type("[data-testid=secret-password]", SECRET);
  await app.click("[data-testid=secret-save]");
  await app.find("[data-testid=secret-row]");
  assert.ok(!(await app.text("[data-testid=secret-value]")).includes(SECRET), "hidden until revealed");
  await app.click("[data-testid=secret-reveal]");
  await app.waitFor(async () => (await app.text("[data-testid=secret-value]")).includes(SECRET), "revealed");
  await app.screenshot("credential-revealed");
  await app.click("[data-testid=secret-copy]");
  await app.find("[data-testid=toast]");
  await app.waitFor(async () => clipboard() === SECRET, "password on the clipboard");
  assert.match(clipboard("TARGETS"), /x-kde-passwordManagerHint/);
  assert.equal(clipboard("x-kde-passwordManagerHint").trim(), "secret");
  await app.waitFor(async () => clipboard() !== SECRET, "clipboard cleared", 10000);

  // Privacy mode masks phones and credentials on screen.
  await app.keys("\uE009", "\uE008", "h");
  await app.find("[data-testid=privacy-banner]");
  assert.ok(!(await app.text("[data-testid=secret-value]")).includes(SECRET), "masked while sharing the screen");
  await app.click("[data-testid=tab-profile]");
  assert.equal(await app.text("[data-testid=contact-value]"), "138 **** 8000", "masked by the core's rule");
  await app.screenshot("privacy-mode");
  await app.keys("\uE009", "\uE008", "h");
  await app.gone("[data-testid=privacy-banner]");

  // Lock (Ctrl+L): nothing of the notebook stays in the page; a wrong password is said clearly.
  await app.keys("\uE009", "l");
  await app.find("[data-testid=unlock-form]");
  const page = await app.js("return document.documentElement.outerHTML");
  for (const leaked of ["张伟", "华为", CANARY, SECRET, "预算"]) assert.ok(!page.includes(leaked), `${leaked} left in the DOM`);
  await app.type("[data-testid=password]", "不是这个密码-123");
  await app.click("[data-testid=lock-submit]");
  assert.match(await app.text("[data-testid=lock-error]"), /密码不对/);
  await app.screenshot("wrong-password");
  await unlock(app);
  await app.waitFor(async () => (await app.text("[data-testid=customer-count]")).includes("1"), "one customer");
  await app.find("[data-testid=customer-row]");
  await app.screenshot("customer-list");

  // Nothing typed into the UI reaches any file in plaintext: notebook, settings, webview data, temp.
  await app.quit();
  for (const needle of [CANARY, SECRET, "预算审批流程"]) {
    assert.deepEqual(filesContaining(app.home, needle), [], `${needle} written in plaintext`);
  }
});

test("auto-lock saves the note being written and offers it back", async () => {
  const app = await start("autolock", { env: { KEHU_AUTO_LOCK_SECONDS: "4" } });
  await createNotebook(app);
  await addCustomer(app, { name: "李娜", company: "上海李氏贸易" });
  await app.click("[data-testid=tab-timeline]");
  await app.click("[data-testid=new-note]");
  await app.type("[data-testid=note-body]", `跟进计划：下周二拜访 ${CANARY}`);
  // No input now: the host asks the page to lock, the page hands over the draft.
  await app.find("[data-testid=unlock-form]", 15000);
  assert.match(await app.text("[data-testid=lock-reason]"), /自动锁定/);
  assert.ok(!(await app.js("return document.body.innerHTML")).includes(CANARY), "draft not left in the DOM");
  await app.screenshot("auto-locked");
  await unlock(app);
  await app.click("[data-testid=draft-restore]");
  await app.waitFor(
    async () => (await app.js("return document.querySelector('[data-testid=note-body]')?.value ?? ''")).includes(CANARY),
    "draft restored",
  );
  await app.screenshot("draft-restored");
  await app.click("[data-testid=note-save]");
  await app.find("[data-testid=timeline-note]");
  await app.quit();
  assert.deepEqual(filesContaining(app.home, CANARY), [], "the draft is kept encrypted");
});

test("switching the language to English and back", async () => {
  const app = await start("language");
  await createNotebook(app);
  await app.click("[data-testid=nav-settings]");
  await app.select("[data-testid=settings-language]", "en");
  await app.waitFor(async () => (await app.text("[data-testid=nav-customers]")) === "Customers", "English UI");
  await app.screenshot("settings-english");
  await app.click("[data-testid=nav-customers]");
  await app.find("[data-testid=customers-empty]");
  assert.match(await app.text("[data-testid=customers-empty]"), /No customers yet/);
  await app.screenshot("customers-english");
  await app.keys("\uE009", "l");
  await app.find("[data-testid=unlock-form]");
  assert.match(await app.text("[data-testid=unlock-form] h1"), /Unlock your notebook/);
  await app.screenshot("unlock-english");
  await unlock(app);
  await app.click("[data-testid=nav-settings]");
  await app.select("[data-testid=settings-language]", "zh-CN");
  await app.waitFor(async () => (await app.text("[data-testid=nav-customers]")) === "客户", "Chinese UI");

  // Changing the master password: the current one is asked, the new one unlocks from then on.
  const next = "新的主密码-长城-2027-秋天";
  await app.type("[data-testid=current-password]", "猜错的密码-xyz-123");
  await app.type("[data-testid=new-password]", next);
  await app.click("[data-testid=change-password]");
  assert.match(await app.text("[data-testid=password-error]"), /密码不对/);
  await app.type("[data-testid=current-password]", PASSWORD);
  await app.click("[data-testid=change-password]");
  await app.waitFor(async () => (await app.text("[data-testid=toast]")).includes("主密码已修改"), "password changed", 20000);
  await app.find("[data-testid=access-log]");
  await app.screenshot("settings-password-changed");
  await app.keys("\uE009", "l");
  await app.find("[data-testid=unlock-form]");
  await unlock(app, next);
  await sleep(100);
});

test("startup to the unlock screen of an existing notebook", async () => {
  const first = await start("startup");
  await createNotebook(first);
  await first.quit();
  const again = await launch("startup", { home: first.home });
  apps.push(again);
  await again.find("[data-testid=unlock-form]");
  const ms = performance.now() - again.sessionStarted;
  console.log(`# startup to the unlock screen: ${ms.toFixed(0)} ms`);
  await again.screenshot("unlock");
  await unlock(again, PASSWORD);

  // The app killed after a save, and its write-ahead log then lost (a cleaner, a folder copied
  // without it): the next start's check says what was lost, and the repair acknowledges it.
  await addCustomer(again, { name: "只在日志里" });
  await again.crash();
  const notebook = join(first.home, ".local/share/kehu/default");
  assert.ok(existsSync(join(notebook, "notebook.db-wal")), "the crash left the WAL");
  rmSync(join(notebook, "notebook.db-wal"));
  const third = await launch("startup", { home: first.home });
  apps.push(third);
  await third.find("[data-testid=unlock-form]");
  await unlock(third, PASSWORD);
  await third.click("[data-testid=nav-settings]");
  await third.click("[data-testid=check-run]");
  await third.find("[data-testid=check-lost]");
  assert.match(await third.text("[data-testid=check-lost]"), /预写日志（notebook\.db-wal）不见了/);
  await third.js("document.querySelector('[data-testid=notebook-check]').scrollIntoView({ block: 'center' })");
  await third.screenshot("check-lost-writes");
  await third.click("[data-testid=check-repair]");
  await third.find("[data-testid=check-sound]");
  assert.match(await third.text("[data-testid=toast]"), /确认 1 次丢失/);
  await third.js("document.querySelector('[data-testid=notebook-check]').scrollIntoView({ block: 'center' })");
  await third.screenshot("check-repaired");
});
