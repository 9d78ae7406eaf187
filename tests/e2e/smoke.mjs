import { launch } from "./driver.mjs";
const app = await launch("smoke", { env: { KEHU_APP: process.env.KEHU_APP } });
await app.find("[data-testid=password]");
console.log("ready after", (performance.now() - app.sessionStarted).toFixed(0), "ms");
await app.screenshot("create");
await app.quit();
