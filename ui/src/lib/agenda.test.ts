import { describe, expect, it } from "vitest";
import { dueFromInputs, formatDue, snoozeUntil } from "./agenda";

describe("task dues", () => {
  it("a date alone is a whole day kept as its UTC midnight, shown as that day", () => {
    const due = dueFromInputs("2026-02-28", "");
    expect(due).toEqual({ due: "2026-02-28T00:00:00.000Z", all_day: true });
    expect(formatDue(due!, "en")).toBe("28 Feb 2026");
    expect(formatDue({ due: "2026-12-31T00:00:00Z", all_day: true }, "zh-CN")).toBe("2026年12月31日");
  });

  it("a date and time is a local instant", () => {
    const due = dueFromInputs("2026-02-28", "14:30")!;
    expect(due.all_day).toBe(false);
    const back = new Date(due.due);
    expect([back.getFullYear(), back.getMonth(), back.getDate(), back.getHours(), back.getMinutes()]).toEqual([2026, 1, 28, 14, 30]);
    expect(dueFromInputs("28/02/2026", "")).toBeNull();
  });

  it("snoozes end at the expected local times, across month ends", () => {
    const sat = new Date(2026, 9, 31, 18, 20); // Saturday 31 October
    expect(snoozeUntil("hour", sat).getHours()).toBe(19);
    const tomorrow = snoozeUntil("tomorrow", sat);
    expect([tomorrow.getMonth(), tomorrow.getDate(), tomorrow.getHours()]).toEqual([10, 1, 9]);
    const monday = snoozeUntil("monday", sat);
    expect([monday.getMonth(), monday.getDate(), monday.getDay()]).toEqual([10, 2, 1]);
    const fromMonday = snoozeUntil("monday", new Date(2026, 10, 2, 8, 0));
    expect(fromMonday.getDate()).toBe(9);
  });
});
