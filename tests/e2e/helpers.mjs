// Steps several end-to-end tests share: creating a notebook and a customer through the UI,
// unlocking, and reading every file a run wrote.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export const PASSWORD = "青岛-晨跑-绿茶-1987-风筝";

/** Creates the notebook; the app opens on Today, and unless `stay`, the test goes on from the list. */
export async function createNotebook(app, password = PASSWORD, { stay = false } = {}) {
  await app.type("[data-testid=password]", password);
  await app.type("[data-testid=password-confirm]", password);
  await app.waitFor(async () => Number(await app.attr("[data-testid=strength]", "data-score")) >= 3, "strength");
  await app.click("[data-testid=lock-submit]");
  await app.find("[data-testid=today]", 20000);
  if (!stay) await toCustomers(app);
}

export async function unlock(app, password = PASSWORD, { stay = false } = {}) {
  await app.type("[data-testid=password]", password);
  await app.click("[data-testid=lock-submit]");
  await app.find("[data-testid=today]", 20000);
  if (!stay) await toCustomers(app);
}

export async function toCustomers(app) {
  await app.click("[data-testid=nav-customers]");
  await app.find("[data-testid=new-customer]", 20000);
}

export async function addCustomer(app, fields, contacts = {}) {
  await app.click("[data-testid=new-customer]");
  for (const [name, value] of Object.entries(fields)) {
    if (["grade", "stage", "colour", "template"].includes(name)) await app.select(`[data-testid=field-${name}]`, value);
    else await app.type(`[data-testid=field-${name}]`, value);
  }
  for (const [kind, value] of Object.entries(contacts)) await app.type(`[data-testid=contact-${kind}]`, value);
  await app.click("[data-testid=save-customer]");
  await app.waitFor(async () => (await app.text("[data-testid=customer-name]")) === fields.name, "customer page");
}

/** Every regular file under `dir`, with its bytes. */
export function* filesUnder(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const path = join(dir, name);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      continue;
    }
    if (stat.isDirectory()) yield* filesUnder(path);
    else if (stat.isFile()) yield { path, bytes: readFileSync(path) };
  }
}

/** Files under `dir` holding `needle` as UTF-8 or UTF-16 (WebKit stores strings in both). */
export function filesContaining(dir, needle) {
  const forms = [Buffer.from(needle, "utf8"), Buffer.from(needle, "utf16le")];
  return [...filesUnder(dir)].filter(({ bytes }) => forms.some((f) => bytes.includes(f))).map(({ path }) => path);
}

/** A private D-Bus session bus for one test; `cleanups` gets its stop. Returns its address. */
export async function sessionBus(cleanups) {
  const daemon = spawn("dbus-daemon", ["--session", "--nofork", "--print-address=1"], { stdio: ["ignore", "pipe", "inherit"] });
  const address = await new Promise((resolve) => daemon.stdout.once("data", (d) => resolve(d.toString().trim())));
  cleanups.push(async () => daemon.kill());
  return address;
}
