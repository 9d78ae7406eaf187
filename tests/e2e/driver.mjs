// A small W3C WebDriver client (fetch only) and a launcher for the desktop app under
// tauri-driver: each app gets its own HOME, data and config folders, so every test starts fresh
// and every file the app writes can be inspected afterwards.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const ROOT = resolve(import.meta.dirname, "../..");
export const APP = process.env.KEHU_APP ?? join(ROOT, "target/release/kehu-desktop");
export const ARTIFACTS = join(ROOT, "artifacts/e2e");
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
/** A port no one listens on now, from the operating system. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, driver, ms = 10000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (driver.exitCode !== null) throw new Error(`tauri-driver exited (${driver.exitCode})`);
    try {
      await fetch(`http://127.0.0.1:${port}/status`);
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`tauri-driver did not listen on ${port}`);
}

/** Starts the app in a fresh home; `env` adds variables (e.g. a short auto-lock). */
export async function launch(name, { env = {}, home } = {}) {
  home ??= mkdtempSync(join(tmpdir(), `kehu-e2e-${name}-`));
  for (const dir of [".local/share", ".config", ".cache", "tmp"]) mkdirSync(join(home, dir), { recursive: true });
  const [port, nativePort] = [await freePort(), await freePort()];
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env: {
      ...process.env,
      HOME: home,
      XDG_DATA_HOME: join(home, ".local/share"),
      XDG_CONFIG_HOME: join(home, ".config"),
      XDG_CACHE_HOME: join(home, ".cache"),
      TMPDIR: join(home, "tmp"),
      LANG: "zh_CN.UTF-8",
      LC_ALL: "",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
    // Its own process group: quitting kills the driver, WebKitWebDriver and the app together.
    detached: true,
  });
  let stderr = "";
  driver.stderr.on("data", (d) => (stderr += d));
  await waitForPort(port, driver);
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const response = await fetch(`${base}/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application: APP } } },
    }),
  });
  const body = await response.json();
  if (!body.value?.sessionId) throw new Error(`no WebDriver session: ${JSON.stringify(body)} ${stderr}`);
  const app = new App(base, body.value.sessionId, driver, home, name);
  app.stderr = () => stderr;
  app.sessionStarted = started;
  return app;
}

export class App {
  constructor(base, session, driver, home, name) {
    this.url = `${base}/session/${session}`;
    this.driver = driver;
    this.home = home;
    this.name = name;
    this.shots = 0;
  }

  async cmd(method, path, body) {
    const response = await fetch(this.url + path, {
      signal: AbortSignal.timeout(60000),
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    if (json.value && json.value.error) throw new Error(`${method} ${path}: ${json.value.error}: ${json.value.message}`);
    return json.value;
  }

  /** Waits until `css` matches a displayed element, returning its id. */
  async find(css, ms = 10000) {
    const until = Date.now() + ms;
    let last;
    while (Date.now() < until) {
      try {
        const el = await this.cmd("POST", "/element", { using: "css selector", value: css });
        const id = el[ELEMENT];
        if (await this.cmd("GET", `/element/${id}/displayed`)) return id;
      } catch (e) {
        last = e;
      }
      await sleep(50);
    }
    throw new Error(`no element ${css} after ${ms} ms (${last?.message ?? "not displayed"})`);
  }

  async findAll(css) {
    const els = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return els.map((e) => e[ELEMENT]);
  }

  async gone(css, ms = 10000) {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if ((await this.findAll(css)).length === 0) return;
      await sleep(50);
    }
    throw new Error(`${css} still present after ${ms} ms`);
  }

  async click(css) {
    try {
      await this.onFresh(css, (id) => this.cmd("POST", `/element/${id}/click`, {}));
    } catch (e) {
      await this.screenshot("failed-click").catch(() => {});
      throw new Error(`clicking ${css}: ${e.message}`);
    }
  }

  async type(css, text, { clear = true } = {}) {
    const id = await this.find(css);
    if (clear) await this.cmd("POST", `/element/${id}/clear`, {});
    if (text) await this.cmd("POST", `/element/${id}/value`, { text });
  }

  /**
   * Runs `act` on the element `css` matches. The UI may replace the element between finding and
   * acting on it (a toast re-rendered, a list refreshed); it is then found again, as a user's eye would.
   */
  async onFresh(css, act) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await act(await this.find(css));
      } catch (e) {
        if (attempt >= 5 || !/stale element reference/.test(e.message)) throw e;
        await sleep(50);
      }
    }
  }

  async text(css) {
    return this.onFresh(css, (id) => this.cmd("GET", `/element/${id}/text`));
  }

  async attr(css, name) {
    return this.onFresh(css, (id) => this.cmd("GET", `/element/${id}/attribute/${name}`));
  }

  async select(css, value) {
    // As a user can only pick an option once it is listed: lists filled by a host call (templates,
    // mappings) may still be loading when the element appears.
    await this.waitFor(
      async () =>
        this.js(
          `const el = document.querySelector(arguments[0]); return !!el && [...el.options].some((o) => o.value === arguments[1]);`,
          [css, value],
        ),
      `option ${value} in ${css}`,
    );
    await this.js(
      `const el = document.querySelector(arguments[0]); el.value = arguments[1]; el.dispatchEvent(new Event('change', {bubbles: true}));`,
      [css, value],
    );
  }

  async keys(...keys) {
    const actions = [];
    for (const k of keys) actions.push({ type: "keyDown", value: k });
    for (const k of [...keys].reverse()) actions.push({ type: "keyUp", value: k });
    await this.cmd("POST", "/actions", { actions: [{ type: "key", id: "kb", actions }] });
    await this.cmd("DELETE", "/actions");
  }

  async js(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  async jsAsync(script, args = []) {
    return this.cmd("POST", "/execute/async", { script, args });
  }

  async waitFor(predicate, what, ms = 10000) {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await predicate()) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** Saves a screenshot of the window as artifacts/e2e/<test>-<n>-<label>.png. */
  async screenshot(label) {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Let the page paint what the test just did before the window is captured.
    await this.jsAsync("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));");
    const png = await this.cmd("GET", "/screenshot");
    const file = join(ARTIFACTS, `${this.name}-${String(++this.shots).padStart(2, "0")}-${label}.png`);
    writeFileSync(file, Buffer.from(png, "base64"));
    return file;
  }

  /** Ends the app as a crash or kill -9 would: nothing is closed or flushed. */
  async crash() {
    this.closed = true;
    try {
      process.kill(-this.driver.pid, "SIGKILL");
    } catch {
      // already gone
    }
    this.driver.stderr.destroy();
    await sleep(500);
  }

  /** Closes the window as a user would (the app locks and exits), then ends the session. */
  async quit() {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.cmd("DELETE", "/window");
      await sleep(1000);
      await this.cmd("DELETE", "");
    } catch {
      // the app may already be gone
    }
    try {
      process.kill(-this.driver.pid, "SIGKILL");
    } catch {
      // already gone
    }
    this.driver.stderr.destroy();
    await sleep(300);
  }
}
