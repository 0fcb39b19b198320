import { describe, expect, it } from "vitest";
import type { Broadcast } from "@/lib/schemas/broadcast";
import { mergeReading, recentRate, roundEstimate, secondsLeft, stableTotal } from "./progress";

const reading = (over: Partial<Broadcast>): Broadcast => ({
  id: "b",
  status: "running",
  message: "m",
  level: "info",
  target: { type: "all" },
  author: "a",
  targeted: 0,
  stored: 0,
  created: 0,
  duplicates: 0,
  failed: 0,
  delivered: 0,
  seen: 0,
  estimatedTotal: 0,
  processed: 0,
  createdAt: "2026-12-01T00:00:00.000Z",
  ...over,
});

describe("a running broadcast's readings", () => {
  it("never step back: a poll saved a page behind the last socket event keeps the newer counts", () => {
    const live = reading({
      processed: 120_000,
      targeted: 119_000,
      stored: 119_000,
      estimatedTotal: 203_007,
      seen: 3,
    });
    const polled = reading({
      processed: 100_000,
      targeted: 99_000,
      stored: 99_000,
      estimatedTotal: 201_565,
      seen: 5,
    });
    const merged = mergeReading(live, polled);
    expect(merged).toMatchObject({
      processed: 120_000,
      targeted: 119_000,
      stored: 119_000,
      estimatedTotal: 203_007,
    });
    // What the newer reading knows better (receipts) is taken.
    expect(merged.seen).toBe(5);
  });

  it("take a newer reading, and the final one whatever it says", () => {
    const live = reading({ processed: 120_000 });
    expect(mergeReading(live, reading({ processed: 130_000 })).processed).toBe(130_000);
    const done = reading({ status: "completed", processed: 2_005, estimatedTotal: 2_005 });
    expect(mergeReading(live, done)).toBe(done);
  });
});

describe("the total shown while it runs", () => {
  it("does not wobble with an extrapolated estimate (201,565 <-> 203,007)", () => {
    let shown: number | null = null;
    const seen = new Set<number>();
    for (const [estimatedTotal, processed] of [
      [201_565, 50_000],
      [203_007, 60_000],
      [201_565, 70_000],
      [203_007, 80_000],
      [202_100, 150_000],
    ] as const) {
      shown = stableTotal(shown, { estimatedTotal, processed }, false);
      seen.add(shown);
    }
    expect([...seen]).toEqual([202_000]);
  });

  it("follows an estimate that really moved, and never shows less than what was processed", () => {
    expect(stableTotal(202_000, { estimatedTotal: 260_000, processed: 100_000 }, false)).toBe(260_000);
    expect(
      stableTotal(202_000, { estimatedTotal: 202_000, processed: 202_500 }, false),
    ).toBeGreaterThanOrEqual(202_500);
  });

  it("is exact when the target was counted first", () => {
    expect(stableTotal(null, { estimatedTotal: 2_005, processed: 1 }, true)).toBe(2_005);
  });

  it("rounds to three significant digits", () => {
    expect(roundEstimate(203_007)).toBe(203_000);
    expect(roundEstimate(1_234_567)).toBe(1_230_000);
    expect(roundEstimate(987)).toBe(987);
  });
});

describe("time left", () => {
  it("is what remains over the rate, unknown before there is a rate", () => {
    expect(secondsLeft(100_000, 200_000, 10_000)).toBe(10);
    expect(secondsLeft(0, 200_000, 10_000)).toBeNull();
    expect(secondsLeft(5, 10, null)).toBeNull();
  });
});

describe("the recent rate", () => {
  it("is the slope of the last seconds of readings, not the average since the start", () => {
    let state = { samples: [] as { at: number; processed: number }[], rate: null as number | null };
    // Slow first pages, then 20,000/s.
    for (const [at, processed] of [
      [0, 0],
      [1000, 2000],
      [2000, 10_000],
      [3000, 30_000],
      [4000, 50_000],
      [5000, 70_000],
      [6000, 90_000],
    ] as const)
      state = recentRate(state.samples, { at, processed });
    expect(state.rate).toBe(20_000);
    expect(state.samples.length).toBeLessThanOrEqual(5);
  });

  it("starts over when the walk does, and needs a second of readings", () => {
    const a = recentRate([], { at: 0, processed: 100 });
    expect(a.rate).toBeNull();
    const b = recentRate(a.samples, { at: 500, processed: 50 });
    expect(b.samples).toEqual([{ at: 500, processed: 50 }]);
  });
});
