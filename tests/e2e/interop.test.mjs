// End-to-end: getting data in and out as a user does — a GBK ledger (as Excel on a Chinese
// Windows saves it) through the import wizard, with a column remapped, its invalid value and its
// duplicate shown before anything lands; an export to Excel-ready CSV; and the data-quality
// screen merging the two records of one person.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

import { launch } from "./driver.mjs";
import { addCustomer, createNotebook, filesContaining } from "./helpers.mjs";

const apps = [];
after(async () => Promise.all(apps.map((a) => a.quit())));

const FIXTURES = fileURLToPath(new URL("../fixtures/interop/", import.meta.url));

test("import a GBK ledger through the wizard, export it, and merge a duplicate", async () => {
  const app = await launch("interop");
  apps.push(app);
  await createNotebook(app);
  // Already in the notebook: 张伟, whose phone the ledger's first row repeats. Mistyped first:
  // the form says so in Chinese, with what was typed, and keeps everything entered.
  await app.click("[data-testid=new-customer]");
  await app.type("[data-testid=field-name]", "张伟");
  await app.type("[data-testid=field-company]", "华为");
  await app.type("[data-testid=contact-phone]", "138-abc");
  await app.click("[data-testid=save-customer]");
  await app.find("[data-testid=form-error]");
  assert.equal(await app.text("[data-testid=form-error]"), "输入有误：「138-abc」不是有效的电话号码。");
  await app.screenshot("customer-phone-mistyped");
  await app.type("[data-testid=contact-phone]", "+86 138 0013 8000");
  await app.click("[data-testid=save-customer]");
  await app.waitFor(async () => (await app.text("[data-testid=customer-name]").catch(() => "")) === "张伟", "customer page");

  await app.click("[data-testid=nav-import]");
  await app.screenshot("import-file");
  // A "vCard" that holds no card at all (its BEGIN:VCARD lost): refused, said in Chinese with the
  // file and the line to look at. (A card with one bad line is imported without that line.)
  const cut = join(mkdtempSync(join(tmpdir(), "kehu-e2e-")), "通讯录.vcf");
  writeFileSync(cut, "VERSION:3.0\nFN:张伟\nTEL:13800138000\n");
  await app.type("[data-testid=import-path]", cut);
  await app.click("[data-testid=import-read]");
  await app.find("[data-testid=import-error]");
  assert.equal(await app.text("[data-testid=import-error]"), "无法读取「通讯录.vcf」：vCard 名片格式有误（第 1 行）。");
  await app.screenshot("import-unreadable");
  // A Taiwan ledger in BIG5: its bytes are valid GBK, so the guess reads them as mojibake and
  // says it guessed; the user switches to BIG5 and sees the names come through.
  await app.type("[data-testid=import-path]", join(FIXTURES, "ledger-big5.csv"));
  await app.click("[data-testid=import-read]");
  await app.find("[data-testid=import-encoding-bar]");
  assert.equal(await app.text("[data-testid=import-encoding-used]"), "GB18030");
  assert.match(await app.text("[data-testid=import-encoding-bar]"), /自动推测/);
  assert.doesNotMatch(await app.text("[data-testid=import-mapping]"), /台灣積體電路/);
  await app.screenshot("import-encoding-guessed");
  await app.select("[data-testid=import-encoding-switch]", "big5");
  await app.waitFor(async () => (await app.text("[data-testid=import-encoding-used]")) === "BIG5", "read again as BIG5");
  await app.screenshot("import-encoding-big5");
  assert.match(await app.text("[data-testid=import-encoding-bar]"), /您选择的/);
  assert.equal(await app.text("[data-testid='example-客戶名稱']"), "台灣積體電路製造股份有限公司");
  assert.equal(await app.attr("[data-testid='map-聯絡人']", "value"), "field:name");
  await app.click("[data-testid=import-to-preview]");
  await app.find("[data-testid=import-sample]");
  const sample = await app.text("[data-testid=import-sample]");
  for (const name of ["陳美玲", "林志明", "黃嘉欣"]) assert.match(sample, new RegExp(name));
  assert.equal(await app.text("[data-testid=import-encoding-used]"), "BIG5");
  await app.screenshot("import-encoding-preview");
  // Not this file after all: back to the start, where the encoding is detected again.
  await app.click("[data-testid=import-back]");
  await app.find("[data-testid=import-mapping]");
  await app.click("[data-testid=import-back]");
  await app.find("[data-testid=import-path]");
  assert.equal(await app.attr("[data-testid=import-encoding]", "value"), "auto");
  await app.type("[data-testid=import-path]", join(FIXTURES, "ledger-gbk.csv"));
  await app.click("[data-testid=import-read]");
  await app.find("[data-testid=import-mapping]");
  assert.equal(await app.text("[data-testid=import-encoding-used]"), "GB18030");
  assert.equal(await app.text("[data-testid='example-联系人']"), "张伟");
  assert.equal(await app.attr("[data-testid='map-手机号码']", "value"), "phone");
  assert.equal(await app.attr("[data-testid='map-客户名称']", "value"), "field:company");
  // 签约日期 would be a custom field; the user chooses not to import it.
  assert.equal(await app.attr("[data-testid='map-签约日期']", "value"), "custom");
  await app.select("[data-testid='map-签约日期']", "ignore");
  await app.type("[data-testid=mapping-name]", "销售一部台账");
  await app.click("[data-testid=mapping-save]");
  await app.waitFor(async () => (await app.text("[data-testid=toast]").catch(() => "")).includes("销售一部台账"), "mapping saved");
  await app.screenshot("import-mapping");

  await app.click("[data-testid=import-to-preview]");
  await app.find("[data-testid=import-counts]");
  const counts = await app.text("[data-testid=import-counts]");
  assert.match(counts, /3\s*行/);
  assert.match(counts, /2\s*新客户/);
  assert.match(counts, /1\s*与已有客户重复/);
  const problems = await app.text("[data-testid=import-problems]");
  assert.match(problems, /电子邮箱/);
  assert.match(problems, /wangfang@bytedance/);
  const duplicates = await app.text("[data-testid=import-duplicates]");
  assert.match(duplicates, /#1 张伟/);
  // Merge this one into the existing 张伟.
  await app.select("[data-testid=duplicate-action]", "merge");
  await app.screenshot("import-preview");
  await app.click("[data-testid=import-run]");
  await app.find("[data-testid=import-report]", 20000);
  const report = await app.text("[data-testid=import-report]");
  assert.match(report, /新增 2 位客户/);
  assert.match(report, /合并 1 位/);
  assert.match(report, /待核实/);
  await app.screenshot("import-report");

  await app.click("[data-testid=import-view]");
  await app.waitFor(async () => (await app.text("[data-testid=customer-count]")).includes("3"), "3 customers");

  // Export every customer as CSV for Excel: UTF-8 with a BOM, Chinese headers.
  await app.click("[data-testid=export-customers]");
  await app.select("[data-testid=export-format]", "csv");
  const csvPath = join(app.home, "客户导出.csv");
  await app.type("[data-testid=export-path]", csvPath);
  await app.screenshot("export-dialog");
  await app.click("[data-testid=export-run]");
  await app.waitFor(async () => (await app.text("[data-testid=toast]").catch(() => "")).includes("已导出 3"), "exported");
  const bytes = readFileSync(csvPath);
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const text = bytes.toString("utf8");
  assert.match(text, /^\uFEFF姓名,公司,职位,电话,邮箱/);
  assert.match(text, /张伟,华为,采购经理,/);
  assert.doesNotMatch(text, /签约日期/, "the column the user chose not to import");

  // A second record of 张伟 in traditional script: the quality screen finds and merges them.
  await app.click("[data-testid=nav-customers]");
  await addCustomer(app, { name: "張偉", company: "華為" });
  await app.click("[data-testid=nav-quality]");
  await app.find("[data-testid=duplicate-cluster]");
  const cluster = await app.text("[data-testid=duplicate-cluster]");
  assert.match(cluster, /姓名和公司相同/);
  await app.screenshot("quality-duplicates");
  await app.click("[data-testid=merge-cluster]");
  await app.find("[data-testid=quality-no-duplicates]");
  await app.click("[data-testid=tab-incomplete]");
  await app.type("[data-testid=quality-threshold]", "100");
  await app.find("[data-testid=quality-incomplete]");
  await app.screenshot("quality-incomplete");
  await app.click("[data-testid=nav-customers]");
  await app.waitFor(async () => (await app.text("[data-testid=customer-count]")).includes("3"), "merged into one");

  // A name typed in full-width letters: the quality screen suggests its tidy form and applies it.
  await addCustomer(app, { name: "Ｅｍｉｌｙ Chen" });
  await app.click("[data-testid=nav-quality]");
  await app.click("[data-testid=tab-invalid]");
  const invalid = await app.text("[data-testid=quality-invalid]");
  assert.match(invalid, /Emily Chen/);
  await app.screenshot("quality-invalid");
  await app.click("[data-testid=apply-suggestion]");
  await app.find("[data-testid=quality-no-invalid]");

  // The imported values live only in the encrypted notebook and the export the user asked for.
  const leaks = filesContaining(join(app.home, ".local"), "wangfang@bytedance");
  assert.deepEqual(leaks, [], `plaintext in ${leaks}`);
});
