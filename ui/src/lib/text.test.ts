import { describe, expect, it } from "vitest";
import { highlight, splitTags } from "./text";

describe("text helpers", () => {
  it("turns UTF-8 byte ranges into highlighted segments", () => {
    const text = "和张伟讨论报价";
    // 张伟 is bytes 3..9 in UTF-8
    expect(highlight(text, [[3, 9]])).toEqual([
      { text: "和", hit: false },
      { text: "张伟", hit: true },
      { text: "讨论报价", hit: false },
    ]);
    expect(highlight("abc", [[5, 9]])).toEqual([{ text: "abc", hit: false }]);
  });

  it("splits tags on Chinese and Latin separators", () => {
    expect(splitTags("重点, 华东、老客户 vip")).toEqual(["重点", "华东", "老客户", "vip"]);
  });
});
