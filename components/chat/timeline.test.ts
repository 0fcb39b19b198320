import { describe, expect, it } from "vitest";
import type { HistoryEntry, StoredMessage } from "@/lib/schemas/message";
import { BROADCAST_STORE_GRACE_MS, buildTimeline, type LiveMessage, pruneLive } from "./timeline";

const msg = (id: string, type: "user" | "broadcast" = "broadcast"): StoredMessage => ({
  id,
  type,
  message: `text ${id}`,
  ...(type === "broadcast" ? { level: "info" as const, broadcastId: id } : {}),
  createdAt: "2026-11-27T20:00:00.000Z",
});
const entry = (m: StoredMessage): HistoryEntry => ({ kind: "message", message: m });
const live = (...items: [StoredMessage, number][]) =>
  new Map<string, LiveMessage>(items.map(([message, receivedAt]) => [message.id, { message, receivedAt }]));
const keys = (items: ReturnType<typeof buildTimeline>) => items.map((i) => i.key);

describe("buildTimeline", () => {
  it("keeps the fetched order and appends live messages the fetch has not seen, in arrival order", () => {
    const t = buildTimeline(
      { entries: [entry(msg("a")), entry(msg("b", "user"))], requestedAt: 100 },
      live([msg("d"), 300], [msg("c"), 200]),
      [],
    );
    expect(keys(t)).toEqual(["a", "b", "c", "d"]);
    expect(t.map((i) => i.kind)).toEqual(["broadcast", "user", "broadcast", "broadcast"]);
  });

  it("shows a message once when it arrives live and again in a refetch", () => {
    const t = buildTimeline(
      { entries: [entry(msg("a")), entry(msg("b"))], requestedAt: 500 },
      live([msg("b"), 600]),
      [],
    );
    expect(keys(t)).toEqual(["a", "b"]);
  });

  it("drops a live message that a later fetch no longer has (removed from the list)", () => {
    const t = buildTimeline(
      { entries: [entry(msg("a"))], requestedAt: 500_000 },
      live([msg("gone", "user"), 400_000], [msg("old broadcast"), 500_000 - BROADCAST_STORE_GRACE_MS - 1]),
      [],
    );
    expect(keys(t)).toEqual(["a"]);
  });

  it("keeps a broadcast that came live shortly before a fetch that does not hold it yet (pushed before stored)", () => {
    const snapshot = { entries: [entry(msg("a"))], requestedAt: 500_000 };
    const l = live([msg("fresh"), 499_000]);
    expect(keys(buildTimeline(snapshot, l, []))).toEqual(["a", "fresh"]);
    expect(pruneLive(l, snapshot)).toBeNull();
  });

  it("dedupes repeated ids in the stored list and keys legacy entries stably", () => {
    const raw: HistoryEntry = { kind: "raw", raw: "legacy" };
    const t = buildTimeline(
      { entries: [raw, entry(msg("a")), entry(msg("a")), raw], requestedAt: 0 },
      new Map(),
      [],
    );
    expect(t).toHaveLength(3);
    expect(new Set(keys(t)).size).toBe(3);
    expect(t[0]).toMatchObject({ kind: "raw", raw: "legacy" });
  });

  it("puts messages being sent last; a broadcast without a level reads as info", () => {
    const noLevel = { ...msg("x"), level: undefined };
    const t = buildTimeline({ entries: [entry(noLevel)], requestedAt: 0 }, new Map(), [
      { clientId: "p1", text: "hi", createdAt: "2026-11-27T20:00:00.000Z", state: "sending" },
    ]);
    expect(t.map((i) => i.kind)).toEqual(["broadcast", "pending"]);
    expect(t[0]).toMatchObject({ level: "info" });
  });
});

describe("a message being sent", () => {
  it("is not shown twice when the socket echoes it before its POST answers", () => {
    const sentAt = Date.parse("2026-11-27T20:00:00.000Z");
    const echo = { ...msg("u1"), type: "user" as const, message: "hello" };
    const sending = {
      clientId: "p1",
      text: " hello ",
      createdAt: new Date(sentAt).toISOString(),
      state: "sending" as const,
    };
    const t = buildTimeline({ entries: [], requestedAt: 0 }, live([echo, sentAt + 50]), [sending]);
    expect(t.map((i) => i.kind)).toEqual(["user"]);
    // An older identical message is no echo of this one; a failed send stays shown.
    const old = buildTimeline({ entries: [], requestedAt: 0 }, live([echo, sentAt - 5000]), [sending]);
    expect(old.map((i) => i.kind)).toEqual(["user", "pending"]);
    const failed = buildTimeline({ entries: [], requestedAt: 0 }, live([echo, sentAt + 50]), [
      { ...sending, state: "failed" as const },
    ]);
    expect(failed.map((i) => i.kind)).toEqual(["user", "pending"]);
  });
});

describe("pruneLive", () => {
  it("forgets live messages the fetch covers, keeps newer ones, and reports no change as null", () => {
    const l = live([msg("a"), 100], [msg("b"), 900]);
    const next = pruneLive(l, { entries: [entry(msg("a"))], requestedAt: 500 });
    expect([...(next?.keys() ?? [])]).toEqual(["b"]);
    expect(pruneLive(next!, { entries: [], requestedAt: 500 })).toBeNull();
  });
});
