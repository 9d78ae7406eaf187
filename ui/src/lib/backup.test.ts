import { describe, expect, it } from "vitest";
import { humanSize, parseIds } from "./backup";

describe("backup helpers", () => {
  it("sizes", () => {
    expect(humanSize(512)).toBe("512 B");
    expect(humanSize(1536)).toBe("1.5 KiB");
    expect(humanSize(680 * 1024 * 1024)).toBe("680.0 MiB");
  });
  it("reads id lists typed with Chinese or Latin separators", () => {
    expect(parseIds("3, 5，12、x 0 -1 7")).toEqual([3, 5, 12, 7]);
    expect(parseIds("")).toEqual([]);
  });
});
