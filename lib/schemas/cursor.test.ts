import { describe, expect, it } from "vitest";
import { decodeScanPosition, encodeScanPosition, ScanCursorSchema } from "./cursor";

describe("scan positions", () => {
  it("round-trip, the plain SCAN cursor included", () => {
    for (const p of [
      { phase: 0, scan: "0", after: null },
      { phase: 0, scan: "18446744073709551615", after: null },
      { phase: 2, scan: "0", after: null },
      { phase: 1, scan: "123", after: "session-9" },
      { phase: 0, scan: "0", after: "ünïcode/with+odd=chars" },
    ]) {
      expect(decodeScanPosition(encodeScanPosition(p))).toEqual(p);
    }
    expect(encodeScanPosition({ phase: 0, scan: "42", after: null })).toBe("42");
  });

  it("refuses what Herald never gives out", () => {
    for (const c of ["", "abc", "-1", "18446744073709551616", "1.2.3.4", "0.0.!!", "x.0", "10.0", "0..a"]) {
      expect(decodeScanPosition(c), c).toBeNull();
      expect(ScanCursorSchema.safeParse(c).success, c).toBe(false);
    }
    expect(ScanCursorSchema.parse(undefined)).toBe("0");
  });
});
