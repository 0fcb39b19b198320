// Fan-out (lib level) against a real redis-server: one copy per session whatever is retried,
// resumed or sent twice; wrong types fail one session only; odd keys are never written.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getBroadcast, listDeliveries, resumeBroadcast, sendBroadcast } from "../../lib/broadcasts";
import { storeBatch } from "../../lib/broadcasts/batch";
import type { Deps } from "../../lib/context";
import { HeraldError } from "../../lib/errors";
import type { Emitters } from "../../lib/realtime/emitter";
import { createRedis } from "../../lib/redis/connection";
import {
  BroadcastInputSchema,
  type BroadcastRequest,
  type DeliveryRecord,
} from "../../lib/schemas/broadcast";
import { markOnline } from "../../lib/sessions/presence";
import {
  copiesOf,
  diffSnapshots,
  keyNames,
  defaultKeys as keys,
  payloadCopies,
  rawMessages,
  seedLongHistory,
  seedSession,
  sendWithCrash,
  snapshotKeys,
  testDeps,
  waitFor,
} from "../helpers/herald";
import { monitorCommands, startTestRedis, type TestRedis } from "../helpers/redis";
import { PROJECT_ROOT, runCli } from "../helpers/server";

const TTL = 3600;
let t: TestRedis;
let deps: Deps;

beforeAll(async () => {
  t = await startTestRedis();
  deps = testDeps(t.redis, t.url, { HERALD_MESSAGE_TTL_SECONDS: String(TTL) });
});
afterAll(async () => {
  await t?.stop();
});
beforeEach(async () => {
  await t.redis.flushall();
});

const request = (over: Record<string, unknown> = {}): BroadcastRequest =>
  BroadcastInputSchema.parse({ message: "System maintenance in 5 minutes", ...over });

const send = (req: BroadcastRequest, opts: Parameters<typeof sendBroadcast>[3] = {}, d: Deps = deps) =>
  sendBroadcast(d, req, "test", { estimate: false, ...opts });

async function allDeliveries(id: string): Promise<Map<string, DeliveryRecord>> {
  const out = new Map<string, DeliveryRecord>();
  let cursor = "0";
  do {
    const page = await listDeliveries(t.redis, keys, id, { cursor, limit: 1000 });
    for (const d of page.deliveries) out.set(d.sessionId, d);
    cursor = page.nextCursor ?? "0";
  } while (cursor !== "0");
  return out;
}

describe("fan-out to each shape of session", () => {
  it("stores exactly one copy in sessions with only data, only a list, and both", async () => {
    await seedSession(t.redis, "data-only", "data");
    await seedSession(t.redis, "list-only", "list");
    await seedSession(t.redis, "both", "both");

    const summary = await send(request({ title: "Maintenance Alert", level: "warning" }));
    expect(summary).toEqual({
      id: summary.id,
      status: "completed",
      targeted: 3,
      stored: 3,
      created: 1,
      duplicates: 0,
      failed: 0,
    });
    for (const id of ["data-only", "list-only", "both"])
      expect(await copiesOf(t.redis, id, summary.id)).toBe(1);

    // The empty session's list was created with the message alone; the others keep their history first.
    const [created] = await rawMessages(t.redis, "data-only");
    expect(JSON.parse(created!)).toEqual({
      id: summary.id,
      type: "broadcast",
      title: "Maintenance Alert",
      message: "System maintenance in 5 minutes",
      level: "warning",
      broadcastId: summary.id,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const listOnly = await rawMessages(t.redis, "list-only");
    expect(listOnly).toHaveLength(2);
    expect(JSON.parse(listOnly[0]!).type).toBe("user");
    // Byte-identical payload everywhere (the duplicate check relies on it).
    expect(listOnly[1]).toBe(created);
    expect((await rawMessages(t.redis, "both"))[1]).toBe(created);
    // The data keys are left alone.
    expect(await t.redis.type(keys.sessionData("data-only"))).toBe("string");
    expect(await t.redis.exists(keys.sessionData("list-only"))).toBe(0);

    const deliveries = await allDeliveries(summary.id);
    expect([...deliveries.keys()].sort()).toEqual(["both", "data-only", "list-only"]);
    expect(deliveries.get("data-only")).toMatchObject({ status: "stored", created: true });
    expect(deliveries.get("list-only")).toMatchObject({ status: "stored", created: false });
    expect(deliveries.get("both")).toMatchObject({ status: "stored", created: false });

    const record = await getBroadcast(t.redis, keys, summary.id);
    expect(record).toMatchObject({ status: "completed", author: "test", targeted: 3, stored: 3, failed: 0 });
    expect(record?.finishedAt).toBeTruthy();
  });

  it("records the online sessions before walking the keyspace; the walk stores nothing twice", async () => {
    const all = Array.from({ length: 40 }, (_, i) => `s${i}`);
    for (const [i, sid] of all.entries()) await seedSession(t.redis, sid, i % 2 ? "both" : "data");
    const online = ["s3", "s10", "s21"];
    await markOnline(t.redis, keys, [...online, "gone"]); // "gone": online, but its session ended
    const id = "0b6d3c2e-6b1f-4a57-9a83-3f7f2b1c9d10";

    // The first progress report comes once the online batch is recorded; read the records then
    // (same connection, so ahead of anything the walk writes next).
    let firstRecorded: Promise<string[]> | undefined;
    const summary = await send(request({ id }), {
      onProgress: () => {
        firstRecorded ??= t.redis.hkeys(keys.deliveries(id));
      },
    });
    expect((await firstRecorded)?.sort()).toEqual([...online].sort());
    // Found twice (online, then by the walk), recorded and counted once; "gone" is no session.
    expect(summary).toMatchObject({
      status: "completed",
      targeted: 40,
      stored: 40,
      created: 20,
      duplicates: 0,
    });
    for (const sid of all) expect(await copiesOf(t.redis, sid, id)).toBe(1);
    expect(await t.redis.exists(keys.sessionMessages("gone"))).toBe(0);
    expect((await allDeliveries(id)).has("gone")).toBe(false);
  });

  it("pushes once to everyone first, then, as the walk stores them, to the sessions that were not online", async () => {
    const all = Array.from({ length: 30 }, (_, i) => `p${i}`);
    for (const [i, sid] of all.entries()) await seedSession(t.redis, sid, i % 2 ? "both" : "data");
    const online = ["p1", "p2"];
    await markOnline(t.redis, keys, online);
    const pushes: (string[] | "everyone")[] = [];
    const users = {
      emit: () => pushes.push("everyone"),
      to: (rooms: string[]) => ({ emit: () => pushes.push([...rooms]) }),
    };
    const admins = { emit: () => true, to: () => admins };
    const summary = await send(request(), { emitters: { users, admins } as unknown as Emitters });

    expect(summary).toMatchObject({ status: "completed", targeted: 30, stored: 30, duplicates: 0 });
    expect(pushes[0]).toBe("everyone");
    const rooms = pushes.slice(1).flatMap((p) => (p === "everyone" ? ["everyone"] : p));
    // Every session not online at the start, once; the online ones had the first push only.
    expect(rooms.sort()).toEqual(
      all
        .filter((sid) => !online.includes(sid))
        .map((sid) => `session:${sid}`)
        .sort(),
    );
  });

  it("without a message TTL, checks that a session found by its data key still exists before creating its list", async () => {
    const noTtl = testDeps(t.redis, t.url, { HERALD_MESSAGE_TTL_SECONDS: "0" });
    for (let i = 0; i < 5; i++) await seedSession(t.redis, `e${i}`, "data");
    await seedSession(t.redis, "h0", "both");
    const mon = await monitorCommands(t.url);
    const summary = await send(request(), {}, noTtl);
    const commands = await mon.stop();
    expect(summary).toMatchObject({ status: "completed", stored: 6, created: 5 });
    // One EXISTS per new list (so a list never outlives its session for want of a TTL); none
    // for the existing one, and no expiry set anywhere.
    // + the list found by SCAN ('m'), + the claim of the broadcast id (create-broadcast.lua)
    expect(commands.filter((c) => c === "EXISTS")).toHaveLength(5 + 1 + 1);
    expect(commands).not.toContain("PEXPIREAT");
    for (let i = 0; i < 5; i++) expect(await t.redis.ttl(keys.sessionMessages(`e${i}`))).toBe(-1);
  });

  it("fails only the session whose :messages key has the wrong type; every other is stored", async () => {
    await seedSession(t.redis, "ok-data", "data");
    await seedSession(t.redis, "ok-both", "both");
    await seedSession(t.redis, "bad-hash", "data");
    await t.redis.hset(keys.sessionMessages("bad-hash"), "legacy", "value");
    // Found by its :messages key alone, which is a string.
    await t.redis.set(keys.sessionMessages("bad-string"), "not a list");
    await t.redis.zadd(keys.sessionMessages("bad-zset"), 1, "m");
    const before = await snapshotKeys(t.redis);

    const summary = await send(request());
    expect(summary).toMatchObject({
      status: "partial",
      targeted: 5,
      stored: 2,
      created: 1,
      duplicates: 0,
      failed: 3,
    });
    expect(await copiesOf(t.redis, "ok-data", summary.id)).toBe(1);
    expect(await copiesOf(t.redis, "ok-both", summary.id)).toBe(1);

    const deliveries = await allDeliveries(summary.id);
    expect(deliveries.get("bad-hash")).toMatchObject({
      status: "failed",
      reason: "messages key holds a hash, not a list",
    });
    expect(deliveries.get("bad-string")).toMatchObject({
      status: "failed",
      reason: expect.stringContaining("string"),
    });
    expect(deliveries.get("bad-zset")).toMatchObject({
      status: "failed",
      reason: expect.stringContaining("zset"),
    });

    // The wrong-type keys are untouched.
    const diff = diffSnapshots(before, await snapshotKeys(t.redis));
    expect(diff.removed).toEqual([]);
    expect(diff.changed).toEqual(["session:ok-both:messages"]);
    expect(diff.added.filter((k) => !k.startsWith("herald:")).sort()).toEqual(["session:ok-data:messages"]);

    const failedPage = await listDeliveries(t.redis, keys, summary.id, {
      status: "failed",
      cursor: "0",
      limit: 10,
    });
    expect(failedPage.deliveries.map((d) => d.sessionId).sort()).toEqual([
      "bad-hash",
      "bad-string",
      "bad-zset",
    ]);
  });

  it("ends `failed` when no session could be stored", async () => {
    await t.redis.hset(keys.sessionMessages("only-bad"), "a", "b");
    const summary = await send(request());
    expect(summary).toMatchObject({ status: "failed", targeted: 1, stored: 0, failed: 1 });
  });

  it("completes with zero counts when there are no sessions", async () => {
    await t.redis.set("other:key", "x");
    const summary = await send(request());
    expect(summary).toMatchObject({ status: "completed", targeted: 0, stored: 0, failed: 0 });
  });
});

describe("idempotency", () => {
  it("sending the same broadcast id again stores nothing twice and keeps the counts exact", async () => {
    await seedSession(t.redis, "a", "data");
    await seedSession(t.redis, "b", "list");
    await seedSession(t.redis, "c", "both");
    await t.redis.hset(keys.sessionMessages("w"), "x", "y");
    const req = request({ id: "fixed-id-1" });

    const first = await send(req);
    expect(first).toMatchObject({ id: "fixed-id-1", status: "partial", targeted: 4, stored: 3, failed: 1 });
    const afterFirst = await snapshotKeys(t.redis);

    const second = await send(req);
    // Every session already holds it: nothing new recorded, counts unchanged (not doubled).
    expect(second).toEqual(first);
    for (const id of ["a", "b", "c"]) expect(await copiesOf(t.redis, id, "fixed-id-1")).toBe(1);
    const diff = diffSnapshots(afterFirst, await snapshotKeys(t.redis));
    expect(diff.added).toEqual([]);
    // Only the broadcast record's timestamps move.
    expect(diff.changed.filter((k) => !k.startsWith("herald:bc:{fixed-id-1}"))).toEqual([]);
    expect(diff.changed.filter((k) => k.startsWith("session:"))).toEqual([]);
    expect(await t.redis.hlen(keys.deliveries("fixed-id-1"))).toBe(4);

    // A session that appeared in between is reached by the re-send, once.
    await seedSession(t.redis, "late", "data");
    const third = await send(req);
    expect(third).toMatchObject({ targeted: 5, stored: 4, created: 2, duplicates: 0, failed: 1 });
    for (const id of ["a", "b", "c", "late"]) expect(await copiesOf(t.redis, id, "fixed-id-1")).toBe(1);
  });

  it("records a session that already holds the message as a duplicate", async () => {
    await seedSession(t.redis, "a", "data");
    await seedSession(t.redis, "b", "data");
    const req = request({ id: "dup-id" });
    const first = await send(req);
    // Forget the delivery records (as if the recording step had been lost): the lists still hold it.
    await t.redis.del(keys.deliveries("dup-id"), keys.deliveriesByStatus("dup-id", "duplicate"));
    await t.redis.hset(keys.broadcast("dup-id"), { targeted: 0, stored: 0, created: 0, duplicates: 0 });
    const again = await send(req);
    expect(first).toMatchObject({ stored: 2 });
    expect(again).toMatchObject({ status: "completed", targeted: 2, stored: 0, duplicates: 2, failed: 0 });
    expect(await copiesOf(t.redis, "a", "dup-id")).toBe(1);
    const deliveries = await allDeliveries("dup-id");
    expect(deliveries.get("a")?.status).toBe("duplicate");
  });

  it("refuses to reuse a broadcast id for another message (409)", async () => {
    await seedSession(t.redis, "a", "data");
    await send(request({ id: "same" }));
    const err = await send(request({ id: "same", message: "something else" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeraldError);
    expect((err as HeraldError).code).toBe("conflict");
    expect(await rawMessages(t.redis, "a")).toHaveLength(1);
  });
});

describe("TTL", () => {
  it("sets the TTL on lists it creates, lengthens a shorter one, and never shortens or adds one", async () => {
    await seedSession(t.redis, "new-list", "data");
    await seedSession(t.redis, "no-ttl", "both");
    await seedSession(t.redis, "short-ttl", "both");
    await seedSession(t.redis, "long-ttl", "both");
    await t.redis.expire(keys.sessionMessages("short-ttl"), 60);
    await t.redis.expire(keys.sessionMessages("long-ttl"), TTL * 10);
    await send(request());
    for (const id of ["new-list", "short-ttl"]) {
      const ttl = await t.redis.ttl(keys.sessionMessages(id));
      expect(ttl).toBeGreaterThan(TTL - 10);
      expect(ttl).toBeLessThanOrEqual(TTL);
    }
    // Retention the chat app chose stays: none stays none, a longer one stays longer.
    expect(await t.redis.ttl(keys.sessionMessages("no-ttl"))).toBe(-1);
    expect(await t.redis.ttl(keys.sessionMessages("long-ttl"))).toBeGreaterThan(TTL * 9);
    // The chat app's data keys keep their own expiry (none here).
    expect(await t.redis.ttl(keys.sessionData("new-list"))).toBe(-1);
  });

  it("leaves lists without expiry when the TTL is configured as 0", async () => {
    await seedSession(t.redis, "s", "data");
    await send(request(), {}, testDeps(t.redis, t.url, { HERALD_MESSAGE_TTL_SECONDS: "0" }));
    expect(await t.redis.llen(keys.sessionMessages("s"))).toBe(1);
    expect(await t.redis.ttl(keys.sessionMessages("s"))).toBe(-1);
  });
});

describe("odd keys", () => {
  it("skips keys that are not exactly session:<id>[:messages] and never writes a mangled name", async () => {
    const nonUtf8Id = Buffer.from([0x73, 0x65, 0x73, 0x73, 0x69, 0x6f, 0x6e, 0x3a, 0x73, 0xff]); // "session:s\xff"
    const nonUtf8List = Buffer.concat([
      Buffer.from("session:"),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(":messages"),
    ]);
    await t.redis.set("session:", "empty id");
    await t.redis.set("session:x:meta", "meta");
    await t.redis.rpush("session::messages", "orphan");
    await t.redis.set("session:a:b", "two colons");
    await t.redis.rpush("session:y:messages:old", "archived");
    await t.redis.set(nonUtf8Id, "bytes");
    await t.redis.rpush(nonUtf8List, "bytes list");
    await seedSession(t.redis, "ok", "data");
    const before = await snapshotKeys(t.redis);

    const summary = await send(request());
    expect(summary).toMatchObject({ status: "completed", targeted: 1, stored: 1, failed: 0 });

    const after = await snapshotKeys(t.redis);
    const diff = diffSnapshots(before, after);
    expect(diff.removed).toEqual([]);
    expect(diff.changed).toEqual([]);
    expect(diff.added.filter((k) => !k.startsWith("herald:"))).toEqual(["session:ok:messages"]);
    // No key carries U+FFFD (a decoded-and-re-encoded id) or an invented name.
    const names = keyNames(after);
    expect(names.some((n) => Buffer.from(n, "latin1").includes(Buffer.from("\uFFFD")))).toBe(false);
    for (const ghost of [
      "session:x:messages",
      "session:x:meta:messages",
      "session::messages:messages",
      "session:a:messages",
    ]) {
      expect(names).not.toContain(ghost);
    }
    expect(await t.redis.llen("session::messages")).toBe(1);
    expect(await t.redis.getBuffer(nonUtf8Id)).toEqual(Buffer.from("bytes"));
    expect(await allDeliveries(summary.id)).toHaveProperty("size", 1);
  });
});

describe("target: named sessions", () => {
  it("stores in the named sessions and fails an unknown id with 'no such session'", async () => {
    await seedSession(t.redis, "d", "data");
    await seedSession(t.redis, "l", "list");
    await seedSession(t.redis, "not-named", "data");
    const summary = await send(request({ target: { type: "sessions", ids: ["d", "l", "ghost", "d"] } }));
    expect(summary).toMatchObject({ status: "partial", targeted: 3, stored: 2, failed: 1 });
    expect(await copiesOf(t.redis, "d", summary.id)).toBe(1);
    expect(await copiesOf(t.redis, "l", summary.id)).toBe(1);
    expect(await t.redis.exists(keys.sessionMessages("not-named"))).toBe(0);
    // No list is created for a session that does not exist.
    expect(await t.redis.exists(keys.sessionMessages("ghost"), keys.sessionData("ghost"))).toBe(0);
    const deliveries = await allDeliveries(summary.id);
    expect(deliveries.get("ghost")).toMatchObject({ status: "failed", reason: "no such session" });
  });

  it("ends `failed` when every named session is unknown", async () => {
    const summary = await send(request({ target: { type: "sessions", ids: ["nobody"] } }));
    expect(summary).toMatchObject({ status: "failed", targeted: 1, stored: 0, failed: 1 });
  });
});

/** Sessions of all three shapes, pipelined: i%3 0 data only, 1 list only, 2 both. */
async function seedMany(n: number, prefix = "s"): Promise<string[]> {
  const ids: string[] = [];
  const pipe = t.redis.pipeline();
  for (let i = 0; i < n; i++) {
    const id = `${prefix}${i}`;
    ids.push(id);
    if (i % 3 !== 1) pipe.set(keys.sessionData(id), "{}");
    if (i % 3 !== 0)
      pipe.rpush(keys.sessionMessages(id), '{"id":"u","type":"user","message":"hi","createdAt":"x"}');
  }
  await pipe.exec();
  return ids;
}

/** For each id, how many copies of the broadcast its list holds (one pipelined LRANGE per session). */
async function copyCounts(ids: string[], broadcastId: string): Promise<Map<string, number>> {
  const pipe = t.redis.pipeline();
  for (const id of ids) pipe.lrange(keys.sessionMessages(id), 0, -1);
  const replies = (await pipe.exec()) ?? [];
  const needle = `"broadcastId":"${broadcastId}"`;
  return new Map(
    ids.map((id, i) => [id, ((replies[i]?.[1] as string[]) ?? []).filter((r) => r.includes(needle)).length]),
  );
}

describe("paging", () => {
  it("reaches 2,500 sessions exactly once with a small SCAN count and batch size", async () => {
    const ids = await seedMany(2500);
    const small = testDeps(t.redis, t.url, {
      HERALD_SCAN_COUNT: "10",
      HERALD_MESSAGE_TTL_SECONDS: String(TTL),
    });
    const progress: number[] = [];
    const mon = await monitorCommands(t.url);
    const summary = await sendBroadcast(small, request(), "test", {
      batchSize: 7,
      concurrency: 3,
      estimate: true,
      onProgress: (p) => progress.push(p.processed),
    });
    const commands = await mon.stop();

    expect(summary).toMatchObject({
      status: "completed",
      targeted: 2500,
      stored: 2500,
      created: 834,
      duplicates: 0,
      failed: 0,
    });
    const counts = await copyCounts(ids, summary.id);
    expect([...counts.values()].filter((c) => c !== 1)).toEqual([]);
    expect(await t.redis.hlen(keys.deliveries(summary.id))).toBe(2500);
    // A plain stored record is in no status set (the report walks the records for that filter).
    for (const status of ["stored", "duplicate", "failed", "delivered", "seen"])
      expect(await t.redis.exists(keys.deliveriesByStatus(summary.id, status))).toBe(0);
    const record = await getBroadcast(t.redis, keys, summary.id);
    expect(record).toMatchObject({ status: "completed", cursor: "0" });
    expect(record!.processed).toBeGreaterThanOrEqual(2500);
    // Many SCAN pages (plus the estimate's walk), never KEYS.
    expect(commands.filter((c) => c === "SCAN").length).toBeGreaterThan(200);
    expect(commands).not.toContain("KEYS");
    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});

describe("progress figures", () => {
  // Known bug (reported): `processed` counts SCAN entries, including a session's second key on
  // another page and the lists this very broadcast created (SCAN may return new keys), and the
  // finish overwrites `estimatedTotal` with max(estimate, processed).
  it("keeps estimatedTotal as the number of sessions counted, not keys examined", async () => {
    await seedMany(600, "p");
    const small = testDeps(t.redis, t.url, { HERALD_SCAN_COUNT: "10" });
    const summary = await sendBroadcast(small, request(), "test", { batchSize: 7, estimate: true });
    expect(summary.targeted).toBe(600);
    const record = await getBroadcast(t.redis, keys, summary.id);
    expect(record?.estimatedTotal).toBe(600);
  });
});

/**
 * Send broadcast `id` on a second real connection whose `nth` delivery-recording call fails: that
 * batch's sessions are written but not recorded, as when a process dies between the two steps.
 */
const sendCrashingAtRecord = (nth: number, env: Record<string, string>, id: string, batchSize: number) =>
  sendWithCrash(
    createRedis("faulty", t.url),
    (faulty) => testDeps(faulty, t.url, env),
    request({ id }),
    nth,
    batchSize,
  );

describe("resume", () => {
  it("resumes a broadcast interrupted mid-walk and leaves exactly one copy everywhere", async () => {
    const ids = await seedMany(300, "r");
    const env = { HERALD_SCAN_COUNT: "10", HERALD_MESSAGE_TTL_SECONDS: String(TTL) };
    // The 6th delivery-recording call fails: that batch's sessions are written but not recorded.
    await sendCrashingAtRecord(6, env, "resume-me", 4);

    const interrupted = await getBroadcast(t.redis, keys, "resume-me");
    expect(interrupted?.status).toBe("interrupted");
    expect(interrupted?.cursor).not.toBe("0"); // mid-walk
    const recorded = new Set(await t.redis.hkeys(keys.deliveries("resume-me")));
    const before = await copyCounts(ids, "resume-me");
    const writtenNotRecorded = ids.filter((id) => before.get(id) === 1 && !recorded.has(id));
    expect(writtenNotRecorded.length).toBeGreaterThan(0);
    expect(recorded.size).toBeLessThan(300);

    const summary = await resumeBroadcast(testDeps(t.redis, t.url, env), "resume-me", {
      batchSize: 4,
      estimate: false,
    });
    expect(summary).toMatchObject({ id: "resume-me", status: "completed", targeted: 300, failed: 0 });
    expect(summary.duplicates).toBe(writtenNotRecorded.length);
    expect(summary.stored + summary.duplicates).toBe(300);
    const after = await copyCounts(ids, "resume-me");
    expect([...after.values()].filter((c) => c !== 1)).toEqual([]);
    expect(await t.redis.hlen(keys.deliveries("resume-me"))).toBe(300);
  });

  it("never trusts a saved SCAN cursor from another Redis process: walks again from the start", async () => {
    const ids = await seedMany(500, "c");
    const env = { HERALD_SCAN_COUNT: "10" };
    // A run interrupted half-way whose saved point names another Redis process (a restart or a
    // failover since): its cursor would skip part of this keyspace.
    const first = await send(request({ id: "moved", target: { type: "sessions", ids: ids.slice(0, 100) } }));
    expect(first.stored).toBe(100);
    await t.redis.hset(keys.broadcast("moved"), {
      status: "interrupted",
      target: JSON.stringify({ type: "all" }),
      cursor: "384",
      cursorRunId: "0000000000000000000000000000000000000000",
    });
    const summary = await resumeBroadcast(testDeps(t.redis, t.url, env), "moved", { estimate: false });
    expect(summary).toMatchObject({
      status: "completed",
      targeted: 500,
      stored: 500,
      duplicates: 0,
      failed: 0,
    });
    const after = await copyCounts(ids, "moved");
    expect([...after.values()].filter((c) => c !== 1)).toEqual([]);
  });

  it("a session that failed for good is retried by a later run, and its record moves to stored", async () => {
    await seedSession(t.redis, "ok", "data");
    await t.redis.set(keys.sessionMessages("bad"), "not a list");
    const first = await send(request({ id: "retry-failed" }));
    expect(first).toMatchObject({ status: "partial", targeted: 2, stored: 1, failed: 1 });
    // Someone repairs the session; sending the id again stores it there and counts it once.
    await t.redis.del(keys.sessionMessages("bad"));
    await seedSession(t.redis, "bad", "data");
    const again = await send(request({ id: "retry-failed" }));
    expect(again).toMatchObject({ status: "completed", targeted: 2, stored: 2, failed: 0, duplicates: 0 });
    const records = await allDeliveries("retry-failed");
    expect(records.get("bad")?.status).toBe("stored");
    expect(await t.redis.smembers(keys.deliveriesByStatus("retry-failed", "failed"))).toEqual([]);
    expect(await copiesOf(t.redis, "bad", "retry-failed")).toBe(1);
  });

  it("a CLI broadcast killed mid-run is finished by the next CLI run once its job's lock expires", async () => {
    const ids = await seedMany(4000, "k");
    const env = {
      REDIS_URL: t.url,
      HERALD_SCAN_COUNT: "10",
      HERALD_FANOUT_BATCH: "1",
      HERALD_MESSAGE_TTL_SECONDS: String(TTL),
      HERALD_JOB_LOCK_MS: "2000",
    };
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "server/cli.ts", "broadcast", "System maintenance in 5 minutes", "--id", "killed"],
      {
        cwd: PROJECT_ROOT,
        // Not a test worker: without vitest's markers, as runCli does.
        env: {
          ...Object.fromEntries(
            Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST") && k !== "NODE_ENV"),
          ),
          ...env,
        } as unknown as NodeJS.ProcessEnv,
        stdio: "ignore",
      },
    );
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    // Kill it as soon as it has saved progress past the first page (false: it finished first).
    const killedMidRun = await waitFor(
      async () => {
        if (child.exitCode !== null) return false;
        if (Number(await t.redis.hget(keys.broadcast("killed"), "processed")) === 0) return undefined;
        child.kill("SIGKILL");
        return true;
      },
      "the CLI's first saved page",
      30_000,
      5,
    );
    await exited;
    expect(killedMidRun, "the CLI finished before it could be killed").toBe(true);

    const left = await getBroadcast(t.redis, keys, "killed");
    expect(left?.status).toBe("running");
    expect(left?.cursor).not.toBe("0");
    // No server runs: the next CLI run runs a worker, whose stalled-job check takes the dead
    // run's job back once its lock expires, and resumes it. Its own send is the same job.
    const rerun = await runCli(["broadcast", "System maintenance in 5 minutes", "--id", "killed"], env);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain("stored in");
    const summary = await getBroadcast(t.redis, keys, "killed");
    expect(summary).toMatchObject({ status: "completed", targeted: 4000, failed: 0 });
    expect(summary!.stored + summary!.duplicates).toBe(4000);
    const after = await copyCounts(ids, "killed");
    expect([...after.values()].filter((c) => c !== 1)).toEqual([]);
  });
});

describe("long histories", () => {
  const LONG = 100_000;
  const seedLong = (ids: string[]) => seedLongHistory(t.redis, ids, LONG);
  const copies = (ids: string[], payload: string) => payloadCopies(t.redis, ids, payload);

  it("stores into lists of 100,000 entries without reading them, once, across a crash, a resume and re-sends", async () => {
    const long = ["long-a", "long-b", "long-c"];
    await seedLong(long);
    const short = await seedMany(200, "short");
    const ids = [...long, ...short];
    const env = { HERALD_SCAN_COUNT: "10", HERALD_MESSAGE_TTL_SECONDS: String(TTL) };
    const mon = await monitorCommands(t.url);
    await sendCrashingAtRecord(4, env, "long-1", 5);
    const resumed = await resumeBroadcast(testDeps(t.redis, t.url, env), "long-1", {
      batchSize: 5,
      estimate: false,
    });
    // The chat app keeps writing: the copy is no longer at the tail when the id is sent again.
    for (const id of long) await t.redis.rpush(keys.sessionMessages(id), '{"id":"later","type":"user"}');
    const again = await send(request({ id: "long-1" }));
    const commands = await mon.stop();

    expect(resumed).toMatchObject({ status: "completed", targeted: 203, failed: 0 });
    expect(resumed.stored + resumed.duplicates).toBe(203);
    expect(again).toMatchObject({ status: "completed", targeted: 203, stored: resumed.stored, failed: 0 });
    // The duplicate check never read more than the first 101 entries of a list: its cost does
    // not grow with the history (the long lists are marked instead).
    expect(commands).toContain("LPOS");
    for (const lpos of mon.calls("LPOS")) expect(lpos.slice(3)).toEqual(["MAXLEN", "101"]);
    expect(commands).not.toContain("LRANGE");
    const payload = (await getBroadcast(t.redis, keys, "long-1"))!.payload;
    expect((await copies(ids, payload)).filter((n) => n !== 1)).toEqual([]);
    expect(await t.redis.llen(keys.sessionMessages("long-a"))).toBe(LONG + 2);
    // Only the long lists are marked.
    expect((await t.redis.smembers(keys.pushed("long-1"))).sort()).toEqual(long.map(keys.sessionMessages));
    expect(await t.redis.hlen(keys.deliveries("long-1"))).toBe(203);
  });

  it("two calls that name the same sessions at once (a key SCAN returns twice) push once", async () => {
    await seedLong(["twice"]);
    await seedSession(t.redis, "twice-short", "both");
    const entries = [
      { id: "twice", kind: "d" as const },
      { id: "twice-short", kind: "d" as const },
      { id: "twice", kind: "d" as const },
    ];
    const marks = keys.pushed("scan-twice");
    const [a, b] = await Promise.all([
      storeBatch(deps, entries, '{"x":1}', marks),
      storeBatch(deps, entries, '{"x":1}', marks),
    ]);
    expect([a.codes, b.codes].sort()).toEqual(["DDD", "SSD"]);
    expect(await copies(["twice", "twice-short"], '{"x":1}')).toEqual([1, 1]);
  });

  it("a copy stored while the list was short is found after the list grew long (never marked)", async () => {
    await seedSession(t.redis, "grows", "both");
    const first = await send(request({ id: "grows-1" }));
    expect(first).toMatchObject({ stored: 1 });
    expect(await t.redis.exists(keys.pushed("grows-1"))).toBe(0);
    const chat = Array.from({ length: 500 }, (_, i) => `{"id":"c${i}","type":"user"}`);
    await t.redis.rpush(keys.sessionMessages("grows"), ...chat);
    // The chat app trims old messages from the head: the copy moves nearer it, still found.
    await t.redis.ltrim(keys.sessionMessages("grows"), 2, -1);
    const again = await send(request({ id: "grows-1" }));
    expect(again).toMatchObject({ status: "completed", targeted: 1, stored: 1 });
    expect(await copiesOf(t.redis, "grows", "grows-1")).toBe(1);
  });

  it("a broadcast created before marks (no 'dedupe' field) keeps the list search, exact", async () => {
    const ids = await seedMany(30, "old");
    const first = await send(request({ id: "pre-marks" }), { searchLists: true });
    expect(first).toMatchObject({ status: "completed", stored: 30 });
    // As an older version left it: no marks, no field; the re-send must still find every copy.
    await t.redis.hdel(keys.broadcast("pre-marks"), "dedupe");
    await t.redis.del(keys.pushed("pre-marks"));
    const again = await send(request({ id: "pre-marks" }));
    expect(again).toMatchObject({ status: "completed", targeted: 30, stored: 30, duplicates: 0 });
    expect([...(await copyCounts(ids, "pre-marks")).values()].filter((c) => c !== 1)).toEqual([]);
    expect(await t.redis.exists(keys.pushed("pre-marks"))).toBe(0);
  });
});

describe("report search", () => {
  it("a whole id's record comes first, once, with the other ids that contain it, across pages", async () => {
    for (const id of ["abc", "xabc", "abcy", "zz", "abc2"]) await seedSession(t.redis, id, "data");
    const summary = await send(request({ id: "search-1" }));
    expect(summary.stored).toBe(5);
    const first = await listDeliveries(t.redis, keys, "search-1", { cursor: "0", limit: 2, q: "abc" });
    expect(first.deliveries[0]?.sessionId).toBe("abc");
    const seen = first.deliveries.map((d) => d.sessionId);
    let cursor = first.nextCursor;
    while (cursor && cursor !== "0") {
      const page = await listDeliveries(t.redis, keys, "search-1", { cursor, limit: 2, q: "abc" });
      seen.push(...page.deliveries.map((d) => d.sessionId));
      cursor = page.nextCursor;
    }
    expect(seen.sort()).toEqual(["abc", "abc2", "abcy", "xabc"]);
    // A status filter that the record is not in leaves it out.
    const failed = await listDeliveries(t.redis, keys, "search-1", {
      cursor: "0",
      limit: 10,
      q: "abc",
      status: "failed",
    });
    expect(failed.deliveries).toEqual([]);
  });
});
