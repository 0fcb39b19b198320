import { describe, expect, it } from "vitest";
import { describeTtl, formatEta, formatTtl, relativeTime, share } from "./format";

describe("console wording", () => {
  it("shares: never 0% for some, nor 100% for not quite all", () => {
    expect(share(1, 2_005)).toBe("<1%");
    expect(share(2_004, 2_005)).toBe(">99%");
    expect(share(0, 2_005)).toBe("0%");
    expect(share(1, 2)).toBe("50%");
  });

  it("a session's expiry reads as a phrase", () => {
    expect(describeTtl(-1)).toBe("never expires");
    expect(describeTtl(7200)).toBe("expires in 2 h");
    expect(formatTtl(-1)).toBe("never");
    expect(formatTtl(30)).toBe("1 min");
  });

  it("relative times and estimates", () => {
    const now = Date.parse("2026-12-04T12:00:00Z");
    expect(relativeTime("2026-12-04T11:59:50Z", now)).toBe("just now");
    expect(relativeTime("2026-12-04T11:57:00Z", now)).toBe("3 min ago");
    expect(relativeTime("2026-12-04T09:00:00Z", now)).toBe("3 h ago");
    expect(formatEta(2)).toBe("a few seconds");
    expect(formatEta(7.4)).toBe("about 7 s");
    expect(formatEta(42)).toBe("about 40 s");
    expect(formatEta(185)).toBe("about 3 min");
  });
});
