// End-to-end: backups and customer handover as a user does them — back up now from the
// settings, restore that backup on a new computer's first run (with a preview of its counts),
// and hand a customer over to another notebook, where the duplicate is merged field by field.
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";

import { launch } from "./driver.mjs";
import { PASSWORD, addCustomer, createNotebook, filesContaining, toCustomers } from "./helpers.mjs";

const apps = [];
after(async () => Promise.all(apps.map((a) => a.quit())));

const CANARY = "备份金丝雀-canary-7731";
const PACKAGE_PASSWORD = "交接-口令-海风-2026";

test("back up now, restore on first run, hand a customer over and merge the duplicate", async () => {
  // The first computer: a customer with a canary in a note, backed up from the settings.
  const first = await launch("backup-a");
  apps.push(first);
  await createNotebook(first);
  await addCustomer(first, { name: "周杰", company: "上海星河贸易", title: "采购总监" }, { phone: "13912345678" });
  await first.click("[data-testid=tab-timeline]");
  await first.click("[data-testid=new-note]");
  await first.type("[data-testid=note-body]", `报价确认 ${CANARY}`);
  await first.click("[data-testid=note-save]");
  await first.find("[data-testid=timeline-note]");

  await first.click("[data-testid=nav-settings]");
  await first.find("[data-testid=backup-settings]");
  assert.equal(await first.attr("[data-testid=backup-status]", "data-state"), "never");
  await first.find("[data-testid=backup-files-empty]");
  await first.click("[data-testid=backup-now]");
  await first.waitFor(async () => (await first.attr("[data-testid=backup-status]", "data-state")) === "ok", "backup ok", 30000);
  await first.find("[data-testid=backup-files] tbody tr");
  await first.js("document.querySelector('[data-testid=backup-settings]').scrollIntoView()");
  await first.screenshot("backup-settings");
  const backups = join(first.home, ".local/share/kehu/backups");
  const files = readdirSync(backups).filter((f) => f.endsWith(".age"));
  assert.equal(files.length, 1, `one backup in ${backups}: ${files}`);
  const backupFile = join(backups, files[0]);

  // Verify it from the list, with the (master) password it was written with.
  await first.type("[data-testid=verify-password]", PASSWORD);
  await first.click("[data-testid=verify-backup]");
  await first.waitFor(async () => (await first.text("[data-testid=toast]").catch(() => "")).includes("1"), "verified");

  // The customer is promoted after the backup; a handover package carries it, phones masked.
  await first.click("[data-testid=nav-customers]");
  await first.click("[data-testid=customer-row]");
  await first.click("[data-testid=edit-customer]");
  await first.type("[data-testid=field-title]", "销售副总裁");
  await first.click("[data-testid=save-customer]");
  await first.gone("[data-testid=customer-form]");
  await first.click("[data-testid=nav-handover]");
  await first.type("[data-testid=handover-ids]", "1");
  await first.click("[data-testid=handover-mask]");
  const packageFile = join(first.home, "交接-周杰.age");
  await first.type("[data-testid=handover-export-path]", packageFile);
  await first.type("[data-testid=handover-export-password]", PACKAGE_PASSWORD);
  await first.click("[data-testid=handover-export]");
  await first.waitFor(async () => existsSync(packageFile), "package written", 20000);
  await first.screenshot("handover-export");
  await first.quit();

  // The second computer: no notebook yet; restore the backup instead of starting empty.
  const second = await launch("backup-b");
  apps.push(second);
  await second.click("[data-testid=restore-link]");
  await second.type("[data-testid=restore-path]", backupFile);
  await second.type("[data-testid=restore-backup-password]", "不是这个密码");
  await second.click("[data-testid=restore-submit]");
  await second.find("[data-testid=lock-error]", 20000);
  await second.type("[data-testid=restore-backup-password]", PASSWORD);
  await second.click("[data-testid=restore-submit]");
  await second.find("[data-testid=restore-preview]", 20000);
  assert.match(await second.text("[data-testid=restore-preview]"), /1 位客户 · 1 条笔记/);
  await second.screenshot("restore-preview");
  const newPassword = "新电脑-主密码-松鼠-4412";
  await second.type("[data-testid=password]", newPassword);
  await second.type("[data-testid=password-confirm]", newPassword);
  await second.waitFor(async () => !(await second.js("return document.querySelector('[data-testid=restore-submit]').disabled")), "ready");
  await second.click("[data-testid=restore-submit]");
  await second.find("[data-testid=today]", 60000);
  await toCustomers(second);
  await second.waitFor(async () => (await second.js("return document.body.innerText")).includes("周杰"), "restored customer listed");

  // Import the package: its phone is masked, so the customer matches by name and company; the
  // title differs (promoted after the backup), and the user takes the package's.
  await second.click("[data-testid=nav-handover]");
  await second.type("[data-testid=handover-import-path]", packageFile);
  await second.type("[data-testid=handover-import-password]", PACKAGE_PASSWORD);
  await second.click("[data-testid=handover-read]");
  await second.find("[data-testid=handover-plan]", 20000);
  assert.equal(await second.attr("[data-testid=incoming]", "data-duplicate"), "yes");
  await second.find("[data-field=title] [data-testid=take-theirs]");
  await second.click("[data-field=title] [data-testid=take-theirs]");
  await second.screenshot("handover-import");
  await second.click("[data-testid=handover-import]");
  await second.waitFor(async () => (await second.text("[data-testid=toast]").catch(() => "")).includes("合并 1"), "merged", 20000);
  assert.match(await second.text("[data-testid=toast]"), /记录 0/, "the note both have is not doubled");
  await second.click("[data-testid=nav-customers]");
  await second.click("[data-testid=customer-row]");
  await second.waitFor(async () => (await second.js("return document.body.innerText")).includes("销售副总裁"), "title merged");

  // Nothing written by either app holds the note's text in the clear.
  for (const app of [first, second]) {
    assert.deepEqual(filesContaining(app.home, CANARY), [], `canary in files under ${app.home}`);
  }
});
