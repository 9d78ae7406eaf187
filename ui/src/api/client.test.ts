import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const here = import.meta.dirname;

describe("the host client", () => {
  it("calls exactly the commands the app declares (src-tauri/commands.list)", () => {
    const declared: string[] = JSON.parse(readFileSync(join(here, "../../../src-tauri/commands.list"), "utf8"));
    const client = readFileSync(join(here, "client.ts"), "utf8");
    const called = [...client.matchAll(/\bcall<[^(]*\(\s*"([a-z_]+)"/g)].map((m) => m[1]);
    expect(new Set(called).size, "each command has one method").toBe(called.length);
    expect([...called].sort()).toEqual([...declared].sort());
  });
});
