// Receipts against a real redis-server: written in batches (one script call for many clients),
// and a receipt that comes before its session's record (the live push goes out before the
// fan-out reaches the session) is applied when the record is written, with exact counters.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getBroadcast, listDeliveries, markDeliveries, sendBroadcast } from "../../lib/broadcasts";
import type { Receipt, ReceiptOutcome } from "../../lib/broadcasts/deliveries";
import type { Deps } from "../../lib/context";
import type { Emitters } from "../../lib/realtime/emitter";
import { receiptBatcher } from "../../lib/realtime/receipts";
import { BroadcastInputSchema, type DeliveryRecord } from "../../lib/schemas/broadcast";
import type { StoredMessage } from "../../lib/schemas/message";
import { defaultKeys as keys, seedSession, testDeps } from "../helpers/herald";
import { monitorCommands, startTestRedis, type TestRedis } from "../helpers/redis";

let t: TestRedis;
let deps: Deps;

beforeAll(async () => {
  t = await startTestRedis();
  deps = testDeps(t.redis, t.url);
});
afterAll(async () => {
  await t?.stop();
});
beforeEach(async () => {
  await t.redis.flushall();
});

/** Emitters that hand the first live push (to everyone) to `onPush`; pushes to rooms are dropped. */
function emittersCalling(onPush: (msg: StoredMessage) => void): Emitters {
  const users = { emit: (_e: string, msg: StoredMessage) => onPush(msg), to: () => ({ emit: () => true }) };
  const admins = { emit: () => true, to: () => admins };
  return { users, admins } as unknown as Emitters;
}

async function deliveries(id: string): Promise<Map<string, DeliveryRecord>> {
  const page = await listDeliveries(t.redis, keys, id, { cursor: "0", limit: 1000 });
  return new Map(page.deliveries.map((d) => [d.sessionId, d]));
}

const statusSet = (id: string, status: string) => t.redis.smembers(keys.deliveriesByStatus(id, status));

describe("receipts before the record", () => {
  it("are kept while the broadcast runs and applied when its record is written", async () => {
    await seedSession(t.redis, "acked", "data");
    await seedSession(t.redis, "seen", "both");
    await seedSession(t.redis, "quiet", "data");
    await seedSession(t.redis, "bad", "data");
    await t.redis.hset(keys.sessionMessages("bad"), "legacy", "value");

    // Clients answer the live push at once: on the same connection, ahead of the fan-out's writes.
    const early: Promise<ReceiptOutcome[]>[] = [];
    const receipts: Receipt[] = [
      { sessionId: "acked", to: "delivered" },
      { sessionId: "seen", to: "delivered" },
      { sessionId: "seen", to: "seen" },
      { sessionId: "bad", to: "delivered" },
    ];
    const emitters = emittersCalling((msg) => early.push(markDeliveries(deps.redis, keys, msg.id, receipts)));
    const summary = await sendBroadcast(deps, BroadcastInputSchema.parse({ message: "hello" }), "test", {
      emitters,
    });

    // Not applied when they came (no record yet), but not lost either.
    expect(await Promise.all(early)).toEqual([["kept", "kept", "kept", "kept"]]);
    expect(summary).toMatchObject({ status: "partial", targeted: 4, stored: 3, failed: 1 });
    const b = await getBroadcast(t.redis, keys, summary.id);
    expect(b).toMatchObject({ stored: 3, delivered: 2, seen: 1, failed: 1 });

    const d = await deliveries(summary.id);
    expect(d.get("acked")).toMatchObject({
      status: "delivered",
      created: true,
      deliveredAt: expect.any(String),
    });
    expect(d.get("seen")).toMatchObject({
      status: "seen",
      created: false,
      deliveredAt: expect.any(String),
      seenAt: expect.any(String),
    });
    expect(d.get("quiet")).toMatchObject({ status: "stored" });
    expect(d.get("quiet")?.deliveredAt).toBeUndefined();
    // A failed session's early receipt counts for nothing.
    expect(d.get("bad")).toMatchObject({ status: "failed" });
    expect(await statusSet(summary.id, "delivered")).toEqual(["acked"]);
    expect(await statusSet(summary.id, "seen")).toEqual(["seen"]);
    // A plain stored record is in no set.
    expect(await t.redis.exists(keys.deliveriesByStatus(summary.id, "stored"))).toBe(0);
    // The run is over: nothing is kept early any more.
    expect(await t.redis.exists(keys.earlyReceipts(summary.id))).toBe(0);

    // Afterwards a receipt without a record is ignored and kept nowhere; one with a record moves it.
    expect(
      await markDeliveries(deps.redis, keys, summary.id, [
        { sessionId: "nobody", to: "delivered" },
        { sessionId: "quiet", to: "seen" },
      ]),
    ).toEqual(["ignored", "moved"]);
    expect(await t.redis.exists(keys.earlyReceipts(summary.id))).toBe(0);
    expect(await getBroadcast(t.redis, keys, summary.id)).toMatchObject({ delivered: 3, seen: 2 });
  });

  it("are kept while the broadcast is interrupted too, for its resume to apply", async () => {
    const id = "11111111-1111-4111-8111-111111111111";
    await t.redis.hset(keys.broadcast(id), "status", "interrupted");
    expect(await markDeliveries(deps.redis, keys, id, [{ sessionId: "x", to: "delivered" }])).toEqual([
      "kept",
    ]);
    expect(await t.redis.hget(keys.earlyReceipts(id), "x")).toMatch(/^d\d{4}-/);
    await t.redis.hset(keys.broadcast(id), "status", "completed");
    expect(await markDeliveries(deps.redis, keys, id, [{ sessionId: "y", to: "delivered" }])).toEqual([
      "ignored",
    ]);
  });

  it("a receipt for a broadcast that does not exist keeps nothing", async () => {
    const id = "00000000-0000-4000-8000-000000000000";
    expect(await markDeliveries(deps.redis, keys, id, [{ sessionId: "x", to: "seen" }])).toEqual(["ignored"]);
    expect(await t.redis.dbsize()).toBe(0);
  });
});

describe("receiptBatcher", () => {
  it("writes many clients' receipts in one script call and reports the ones that moved, once", async () => {
    const sessions = Array.from({ length: 50 }, (_, i) => `s${i}`);
    for (const s of sessions) await seedSession(t.redis, s, "data");
    const summary = await sendBroadcast(deps, BroadcastInputSchema.parse({ message: "hi" }), "test");
    expect(summary.stored).toBe(50);

    const reported: { id: string; moved: Receipt[]; kept: Receipt[] }[] = [];
    const batcher = receiptBatcher(deps, (id, moved, kept) => reported.push({ id, moved, kept }));
    // Load the script first, so the count below is not one EVALSHA plus its EVAL fallback.
    await markDeliveries(deps.redis, keys, "00000000-0000-4000-8000-000000000000", [
      { sessionId: "x", to: "seen" },
    ]);
    const mon = await monitorCommands(t.url);
    const results = await Promise.all([
      ...sessions.map((s) => batcher.add(summary.id, { sessionId: s, to: "delivered" })),
      // Already delivered by the receipt just before it in the same batch: nothing to move twice.
      batcher.add(summary.id, { sessionId: "s0", to: "delivered" }),
      batcher.add(summary.id, { sessionId: "not-a-target", to: "delivered" }),
    ]);
    const commands = await mon.stop();

    expect(results).toEqual([...sessions.map(() => "moved"), "ignored", "ignored"]);
    expect(commands.filter((c) => c === "EVALSHA" || c === "EVAL")).toHaveLength(1);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.id).toBe(summary.id);
    expect(reported[0]?.moved.map((r) => r.sessionId).sort()).toEqual([...sessions].sort());
    expect(reported[0]?.kept).toEqual([]);
    expect(await getBroadcast(t.redis, keys, summary.id)).toMatchObject({ delivered: 50, seen: 0 });
  });
});
