import { describe, expect, it } from "vitest";
import type { Target } from "../api/bindings/Target";
import { reasonKey, targetFrom, targetValue } from "./interop";

describe("import targets", () => {
  it("round-trip through the menu value", () => {
    const targets: Target[] = [
      { to: "field", key: "company" },
      { to: "phone" },
      { to: "tags" },
      { to: "ignore" },
      { to: "custom", key: "合同金额" },
    ];
    for (const target of targets) {
      const header = target.to === "custom" ? target.key : "列";
      expect(targetFrom(targetValue(target), header)).toEqual(target);
    }
  });

  it("names the custom field after its column", () => {
    expect(targetFrom("custom", " 签约日期 ")).toEqual({ to: "custom", key: "签约日期" });
  });

  it("says why two customers look like one", () => {
    expect(reasonKey({ kind: "phone", value: "+8613800138000" })).toEqual({ key: "reason.phone", value: "+8613800138000" });
    expect(reasonKey({ kind: "similar_name" }).key).toBe("reason.similar_name");
  });
});
