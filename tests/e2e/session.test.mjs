// End-to-end: the session's edges — locking with the desktop's screen (a D-Bus signal on a
// private session bus), and one instance only.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { APP, launch } from "./driver.mjs";
import { createNotebook, sessionBus, unlock } from "./helpers.mjs";

const cleanups = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test("the notebook locks when the screen locks, and one instance runs", async () => {
  const bus = await sessionBus(cleanups);
  const app = await launch("screenlock", { env: { DBUS_SESSION_BUS_ADDRESS: bus } });
  cleanups.push(() => app.quit());
  await createNotebook(app);

  execFileSync("dbus-send", [
    "--session", "--type=signal", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver.ActiveChanged", "boolean:true",
  ], { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus } });
  await app.find("[data-testid=unlock-form]");
  assert.match(await app.text("[data-testid=lock-reason]"), /屏幕锁定/);
  await app.screenshot("screen-locked");
  await unlock(app);

  // A second start of the app hands over to the running one and exits.
  const second = spawn(APP, [], {
    env: { ...process.env, HOME: app.home, XDG_DATA_HOME: `${app.home}/.local/share`, XDG_CONFIG_HOME: `${app.home}/.config`, DBUS_SESSION_BUS_ADDRESS: bus },
    stdio: "ignore",
  });
  const code = await Promise.race([new Promise((r) => second.on("exit", (c) => r(c))), sleep(10000).then(() => "still running")]);
  if (code === "still running") second.kill();
  assert.equal(code, 0, "the second instance exits");
  await app.find("[data-testid=new-customer]");
});
