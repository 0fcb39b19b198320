// Herald on a 3-master Redis Cluster (loopback, started and removed by this file): the fan-out,
// retract, delivery records and jobs give the same answers as on one Redis, and never send a
// call whose keys span slots.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getBroadcast, markDeliveries, resumeBroadcast, sendBroadcast } from "../../lib/broadcasts";
import { createBroadcast } from "../../lib/broadcasts/create";
import { closeBroadcastQueue, enqueueBroadcast, startBroadcastWorker } from "../../lib/broadcasts/jobs";
import { retractBroadcast, runRetract } from "../../lib/broadcasts/lifecycle";
import { resetConfig } from "../../lib/config";
import type { Deps } from "../../lib/context";
import { closeRedis, clusterOf, createRedis } from "../../lib/redis/connection";
import { keySlot } from "../../lib/redis/slots";
import { BroadcastInputSchema, type BroadcastRequest } from "../../lib/schemas/broadcast";
import { uniqueSessions } from "../../lib/sessions/discover";
import { listSessions } from "../../lib/sessions/query";
import { startTestCluster, type TestCluster } from "../helpers/cluster";
import {
  allDeliveries,
  copiesOf,
  copyHistogram,
  defaultKeys as keys,
  payloadCopies,
  rawMessages,
  seedLongHistory,
  seedManySessions,
  seedSession,
  sendWithCrash,
  testDeps,
  waitFor,
} from "../helpers/herald";
import { monitorCommands } from "../helpers/redis";
import { runCli } from "../helpers/server";

const TTL = 3600;
let cluster: TestCluster;
let deps: Deps;

beforeAll(async () => {
  cluster = await startTestCluster();
  // The queue and worker connections come from the process configuration.
  process.env.REDIS_CLUSTER_NODES = cluster.nodesEnv;
  delete process.env.REDIS_URL;
  resetConfig();
  deps = testDeps(cluster.redis, "", {
    REDIS_CLUSTER_NODES: cluster.nodesEnv,
    HERALD_MESSAGE_TTL_SECONDS: String(TTL),
  });
});
afterAll(async () => {
  await closeBroadcastQueue();
  await closeRedis();
  await cluster?.stop();
  delete process.env.REDIS_CLUSTER_NODES;
  resetConfig();
});
beforeEach(async () => {
  await cluster.flush();
});

const request = (over: Record<string, unknown> = {}): BroadcastRequest =>
  BroadcastInputSchema.parse({ message: "System maintenance in 5 minutes", ...over });

const send = (req: BroadcastRequest, opts: Parameters<typeof sendBroadcast>[3] = {}) =>
  sendBroadcast(deps, req, "test", { estimate: false, ...opts });

/** Which master holds a key (its port). */
async function portOf(key: string): Promise<number> {
  const slot = keySlot(key);
  const owner = clusterOf(cluster.redis)!.slots[slot]![0]!;
  return Number(owner.split(":")[1]);
}

describe("the cluster itself", () => {
  it("hashes keys to the slots Redis does, and a session's two keys usually live apart", async () => {
    const node = cluster.node(cluster.nodes[0]!.port);
    for (const k of ["session:abc", "session:abc:messages", "herald:bc:{x}:deliveries", "herald:{jobs}:q"])
      expect(keySlot(k)).toBe(await node.cluster("KEYSLOT", k));
    expect(keySlot("session:abc")).not.toBe(keySlot("session:abc:messages"));
  });
});

describe("long histories on a cluster", () => {
  const seedLong = (ids: string[]) => seedLongHistory(cluster.redis, ids);
  const copies = (ids: string[], payload: string) => payloadCopies(cluster.redis, ids, payload);
  const monitorAll = () =>
    Promise.all(cluster.nodes.map((n) => monitorCommands(`redis://127.0.0.1:${n.port}`)));

  it("marks long lists in a set of their own slot: the check never reads past 101 entries, one copy across re-sends", async () => {
    const long = ["long-a", "long-b", "long-c", "long-d"];
    await seedLong(long);
    const short = await seedManySessions(cluster.redis, 60, "short");
    const ids = [...long, ...short];
    const mons = await monitorAll();
    const first = await send(request({ id: "long-c1" }), { batchSize: 7 });
    // The chat app keeps writing: the copy is no longer at the tail when the id is sent again.
    for (const id of long)
      await cluster.redis.rpush(keys.sessionMessages(id), '{"id":"later","type":"user"}');
    const again = await send(request({ id: "long-c1" }), { batchSize: 7 });
    const lpos: string[][] = [];
    for (const m of mons) {
      await m.stop();
      lpos.push(...m.calls("LPOS"));
    }
    expect(first).toMatchObject({ status: "completed", targeted: 64, stored: 64, failed: 0 });
    expect(again).toMatchObject({ status: "completed", targeted: 64, stored: 64, duplicates: 0, failed: 0 });
    expect(lpos.length).toBeGreaterThan(0);
    for (const call of lpos) expect(call.slice(3)).toEqual(["MAXLEN", "101"]);
    const payload = (await getBroadcast(cluster.redis, keys, "long-c1"))!.payload;
    expect((await copies(ids, payload)).filter((n) => n !== 1)).toEqual([]);
    // Each long list is marked in the set of its own slot; no short list is marked anywhere.
    const marked: string[] = [];
    for (const slot of new Set(ids.map((id) => keySlot(keys.sessionMessages(id))))) {
      const set = keys.pushedInSlot("long-c1", slot);
      expect(keySlot(set)).toBe(slot);
      marked.push(...(await cluster.redis.smembers(set)));
    }
    expect(marked.sort()).toEqual(long.map(keys.sessionMessages).sort());
  });

  it("a cluster broadcast from before marks per slot ('marks', never honoured there) searches whole lists, exact", async () => {
    await seedLong(["old-long"]);
    const short = await seedManySessions(cluster.redis, 20, "old");
    const first = await send(request({ id: "pre-slot-marks" }), { searchLists: true });
    expect(first).toMatchObject({ status: "completed", stored: 21 });
    // As an older version left it on a cluster: "marks", though its long lists were never marked.
    await cluster.redis.hset(keys.broadcast("pre-slot-marks"), "dedupe", "marks");
    const mons = await monitorAll();
    const again = await send(request({ id: "pre-slot-marks" }));
    const lpos: string[][] = [];
    for (const m of mons) {
      await m.stop();
      lpos.push(...m.calls("LPOS"));
    }
    expect(again).toMatchObject({ status: "completed", targeted: 21, stored: 21, duplicates: 0 });
    // The whole-list search (no MAXLEN), which finds the copy deep in the long list.
    expect(lpos.some((c) => c.length === 3)).toBe(true);
    const payload = (await getBroadcast(cluster.redis, keys, "pre-slot-marks"))!.payload;
    expect((await copies(["old-long", ...short], payload)).filter((n) => n !== 1)).toEqual([]);
  });
});

describe("fan-out on a cluster", () => {
  it("legacy scenario: one copy in sessions with only data, only a list, and both", async () => {
    await seedSession(cluster.redis, "data-only", "data");
    await seedSession(cluster.redis, "list-only", "list");
    await seedSession(cluster.redis, "both", "both");
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
      expect(await copiesOf(cluster.redis, id, summary.id)).toBe(1);
    const listOnly = await rawMessages(cluster.redis, "list-only");
    expect(JSON.parse(listOnly[0]!).type).toBe("user");
    expect(await cluster.redis.exists(keys.sessionData("list-only"))).toBe(0);
    expect(await cluster.redis.ttl(keys.sessionMessages("data-only"))).toBeGreaterThan(TTL - 10);
    const deliveries = await allDeliveries(cluster.redis, summary.id);
    expect(deliveries.get("data-only")).toMatchObject({ status: "stored", created: true });
    expect(deliveries.get("list-only")).toMatchObject({ status: "stored", created: false });
    // The index of broadcasts (another slot than the record) lists it.
    expect(await cluster.redis.zscore(keys.broadcastIndex(), summary.id)).not.toBeNull();
  });

  it("reaches sessions on every master, each once, and a re-send stores nothing twice", async () => {
    const ids = await seedManySessions(cluster.redis, 3000, "m");
    const masters = new Set(await Promise.all(ids.slice(0, 200).map((id) => portOf(keys.sessionData(id)))));
    expect(masters.size).toBe(3);
    const req = request({ id: "many-1" });
    const first = await send(req);
    expect(first).toMatchObject({ status: "completed", targeted: 3000, stored: 3000, created: 1500 });
    const again = await send(req);
    expect(again).toEqual(first);
    expect(await copyHistogram(cluster.redis, ids, "many-1")).toEqual({ 1: 3000 });
    // Discovery alone finds each session once over the three masters.
    let found = 0;
    for await (const page of uniqueSessions(cluster.redis, keys, { count: 500 }))
      found += page.sessions.length;
    expect(found).toBe(3000);
  });

  it("pages through the sessions of every master (GET /api/sessions' cursor), each once", async () => {
    const ids = await seedManySessions(cluster.redis, 50, "p");
    const seen: string[] = [];
    let cursor: string | null = "0";
    while (cursor !== null) {
      const page: Awaited<ReturnType<typeof listSessions>> = await listSessions(
        { redis: cluster.redis, keys, scanCount: 10 },
        { filter: "all", cursor, limit: 7 },
      );
      expect(page.sessions.length).toBeLessThanOrEqual(7);
      seen.push(...page.sessions.map((s) => s.id));
      cursor = page.nextCursor;
    }
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it("records a session that already holds the message as a duplicate", async () => {
    await seedSession(cluster.redis, "a", "data");
    await seedSession(cluster.redis, "b", "both");
    await send(request({ id: "dup-id" }));
    // Forget the records (as if the recording step had been lost): the lists still hold it.
    await cluster.redis.del(keys.deliveries("dup-id"), keys.deliveriesByStatus("dup-id", "duplicate"));
    await cluster.redis.hset(keys.broadcast("dup-id"), { targeted: 0, stored: 0, created: 0, duplicates: 0 });
    const again = await send(request({ id: "dup-id" }));
    expect(again).toMatchObject({ status: "completed", targeted: 2, stored: 0, duplicates: 2, failed: 0 });
    expect(await copiesOf(cluster.redis, "a", "dup-id")).toBe(1);
    expect(await copiesOf(cluster.redis, "b", "dup-id")).toBe(1);
  });

  it("skips odd keys and leaves them as they were", async () => {
    await seedSession(cluster.redis, "ok", "data");
    const odd = ["session:", "session:x:meta", "session:a:b:messages", "session::messages"];
    for (const k of odd) await cluster.redis.set(k, "legacy");
    const summary = await send(request());
    expect(summary).toMatchObject({ status: "completed", targeted: 1, stored: 1 });
    for (const k of odd) expect(await cluster.redis.get(k)).toBe("legacy");
    expect(await cluster.redis.exists("session:x:meta:messages")).toBe(0);
  });

  it("fails only the sessions whose list has the wrong type", async () => {
    await seedSession(cluster.redis, "ok-data", "data");
    await seedSession(cluster.redis, "bad-hash", "data");
    await cluster.redis.hset(keys.sessionMessages("bad-hash"), "legacy", "value");
    await cluster.redis.set(keys.sessionMessages("bad-string"), "not a list");
    const summary = await send(request());
    expect(summary).toMatchObject({ status: "partial", targeted: 3, stored: 1, failed: 2 });
    const deliveries = await allDeliveries(cluster.redis, summary.id);
    expect(deliveries.get("bad-hash")).toMatchObject({
      status: "failed",
      reason: "messages key holds a hash, not a list",
    });
    expect(deliveries.get("bad-string")).toMatchObject({
      status: "failed",
      reason: expect.stringContaining("string"),
    });
    expect(await cluster.redis.hget(keys.sessionMessages("bad-hash"), "legacy")).toBe("value");
  });

  it("sends to named sessions only; a name that is no session fails and gets no list", async () => {
    for (const id of ["t1", "t2", "other"]) await seedSession(cluster.redis, id, "data");
    await seedSession(cluster.redis, "t3", "list");
    const summary = await send(request({ target: { type: "sessions", ids: ["t1", "t2", "t3", "nope"] } }));
    expect(summary).toMatchObject({ status: "partial", targeted: 4, stored: 3, failed: 1 });
    for (const id of ["t1", "t2", "t3"]) expect(await copiesOf(cluster.redis, id, summary.id)).toBe(1);
    expect(await copiesOf(cluster.redis, "other", summary.id)).toBe(0);
    expect(await cluster.redis.exists(keys.sessionMessages("nope"))).toBe(0);
    expect((await allDeliveries(cluster.redis, summary.id)).get("nope")).toMatchObject({
      status: "failed",
      reason: "no such session",
    });
  });

  it("records receipts: stored -> delivered -> seen, counted on the broadcast", async () => {
    await seedSession(cluster.redis, "r1", "data");
    await seedSession(cluster.redis, "r2", "both");
    const summary = await send(request());
    const out = await markDeliveries(cluster.redis, keys, summary.id, [
      { sessionId: "r1", to: "delivered" },
      { sessionId: "r2", to: "seen" },
      { sessionId: "stranger", to: "seen" },
    ]);
    expect(out).toEqual(["moved", "moved", "ignored"]);
    expect(await getBroadcast(cluster.redis, keys, summary.id)).toMatchObject({ delivered: 2, seen: 1 });
    const deliveries = await allDeliveries(cluster.redis, summary.id);
    expect(deliveries.get("r2")).toMatchObject({ status: "seen" });
  });

  it("retracts: every copy removed and counted, other messages kept", async () => {
    const ids = await seedManySessions(cluster.redis, 300, "x");
    const summary = await send(request({ id: "to-retract" }));
    expect(summary.stored).toBe(300);
    await retractBroadcast(deps, "to-retract", "test");
    const done = await runRetract(deps, "to-retract");
    expect(done).toMatchObject({ status: "retracted", removed: 300, retraction: "done" });
    expect(await copyHistogram(cluster.redis, ids, "to-retract")).toEqual({ 0: 300 });
    expect(await rawMessages(cluster.redis, "x0")).toHaveLength(1);
  });
});

describe("resume on a cluster", () => {
  it("an interrupted walk resumes from its per-master cursor, exactly", async () => {
    const ids = await seedManySessions(cluster.redis, 600, "q");
    const env = {
      REDIS_CLUSTER_NODES: cluster.nodesEnv,
      HERALD_SCAN_COUNT: "10",
      HERALD_MESSAGE_TTL_SECONDS: String(TTL),
    };
    // Its 100th delivery-recording call fails, as when a process dies mid-walk.
    await sendWithCrash(
      createRedis("faulty", cluster.nodes),
      (faulty) => testDeps(faulty, "", env),
      request({ id: "resume-c" }),
      100,
    );
    const interrupted = await getBroadcast(cluster.redis, keys, "resume-c");
    expect(interrupted?.status).toBe("interrupted");
    // The saved point: scan cursor * 256 + the index of the master being walked (past the first).
    const masterIndex = Number(BigInt(interrupted!.cursor) % 256n);
    expect(masterIndex).toBeGreaterThan(0);
    // A session added now on the first master (in address order) is behind the saved point.
    const first = [...cluster.nodes].sort((a, b) =>
      `${a.host}:${a.port}`.localeCompare(`${b.host}:${b.port}`, "en"),
    )[0]!;
    let late = "";
    for (let i = 0; !late; i++) {
      const id = `late${i}`;
      if (
        (await portOf(keys.sessionData(id))) === first.port &&
        (await portOf(keys.sessionMessages(id))) === first.port
      )
        late = id;
    }
    await seedSession(cluster.redis, late, "data");

    const summary = await resumeBroadcast(testDeps(cluster.redis, "", env), "resume-c", {
      batchSize: 4,
      estimate: false,
    });
    expect(summary).toMatchObject({ status: "completed", targeted: 600, failed: 0 });
    expect(summary.stored + summary.duplicates).toBe(600);
    expect(await copyHistogram(cluster.redis, ids, "resume-c")).toEqual({ 1: 600 });
    // Not walked again: the late session on the first master was never reached.
    expect(await copiesOf(cluster.redis, late, "resume-c")).toBe(0);
  });
});

describe("a saved point from another cluster layout", () => {
  it.each([
    ["a cursor of this cluster, another layout id", "2561"],
    ["a master that is gone", String(7 * 256 + 7)],
  ])("%s: walks again from the start, exactly", async (_what, cursor) => {
    const ids = await seedManySessions(cluster.redis, 200, "g");
    const first = await send(request({ id: "layout", target: { type: "sessions", ids: ids.slice(0, 50) } }));
    expect(first.stored).toBe(50);
    await cluster.redis.hset(keys.broadcast("layout"), {
      status: "interrupted",
      target: JSON.stringify({ type: "all" }),
      cursor,
      cursorRunId: "0123456789abcdef",
    });
    const summary = await resumeBroadcast(deps, "layout", { estimate: false });
    expect(summary).toMatchObject({
      status: "completed",
      targeted: 200,
      stored: 200,
      duplicates: 0,
      failed: 0,
    });
    expect(await copyHistogram(cluster.redis, ids, "layout")).toEqual({ 1: 200 });
  });
});

describe("jobs on a cluster", () => {
  it("a BullMQ worker on the cluster runs a queued broadcast to its end", async () => {
    await seedSession(cluster.redis, "j1", "data");
    await seedSession(cluster.redis, "j2", "list");
    const worker = startBroadcastWorker(deps, { concurrency: 1 });
    try {
      const { id } = await createBroadcast(deps, request(), "test");
      expect(await enqueueBroadcast(deps, id)).toBe(true);
      const done = await waitFor(
        async () => {
          const b = await getBroadcast(cluster.redis, keys, id);
          return b?.status === "completed" ? b : undefined;
        },
        "the job to complete the broadcast",
        30_000,
        50,
      );
      expect(done).toMatchObject({ targeted: 2, stored: 2 });
      // The queue's keys share one hash tag: one slot.
      const owner = cluster.node(await portOf("herald:{jobs}"));
      const queueKeys = await owner.keys("herald:{jobs}*");
      expect(queueKeys.length).toBeGreaterThan(0);
      expect(new Set(queueKeys.map(keySlot)).size).toBe(1);
    } finally {
      await worker.close();
    }
  });
});

describe("the CLI on a cluster", () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { REDIS_URL: "", REDIS_CLUSTER_NODES: cluster.nodesEnv, ...env });

  it("seeds demo sessions, lists them, and broadcasts to each once with its own worker", async () => {
    const seeded = await cli(["demo", "seed", "--sessions", "500", "--empty-ratio", "0.5"]);
    expect(seeded.code, seeded.stderr).toBe(0);
    const listed = await cli(["sessions", "--limit", "5", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const sent = await cli(["broadcast", "From the CLI", "--id", "cli-1"]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain(
      'Broadcast message sent: "From the CLI" (level: info) - stored in 500 sessions',
    );
    let found = 0;
    for await (const page of uniqueSessions(cluster.redis, keys, { count: 500 })) {
      found += page.sessions.length;
      for (const sess of page.sessions) expect(await copiesOf(cluster.redis, sess.id, "cli-1")).toBe(1);
    }
    expect(found).toBe(500);
  });

  it("exits 1 with one clear line, within seconds, when no node answers", async () => {
    const t0 = Date.now();
    const r = await cli(["sessions"], { REDIS_CLUSTER_NODES: "127.0.0.1:1" });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^error: cannot reach Redis at cluster 127\.0\.0\.1:1: /),
    ]);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it("refuses a bad REDIS_CLUSTER_NODES with one clear line (exit 2)", async () => {
    const r = await cli(["sessions"], { REDIS_CLUSTER_NODES: "127.0.0.1" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/REDIS_CLUSTER_NODES\.0: each node must be host:port/);
  });
});

describe("abuse limits on a cluster", () => {
  it("the memory guard reads every master: one nearly full master refuses new sessions", async () => {
    const { redisNearlyFull } = await import("../../lib/limits/memory");
    const second = cluster.node(cluster.nodes[1]!.port);
    const used = Number(/^used_memory:(\d+)/m.exec(await second.info("memory"))![1]);
    await second.config("SET", "maxmemory", String(Math.floor(used / 0.95)));
    try {
      // The reading is cached for a second: poll until it is fresh.
      await waitFor(
        async () => ((await redisNearlyFull(cluster.redis, 90)) ? true : undefined),
        "the guard to see it",
      );
    } finally {
      await second.config("SET", "maxmemory", "0");
    }
    await waitFor(
      async () => ((await redisNearlyFull(cluster.redis, 90)) ? undefined : true),
      "the guard to clear",
    );
  });

  it("a sign-in limit's keys share one slot, so its check-and-count is one call", async () => {
    const { consume } = await import("../../lib/limits/rate");
    const [perAddress, perAccount] = deps.keys.signInLimits("addr", "email");
    expect(keySlot(perAddress!)).toBe(keySlot(perAccount!));
    const rule = { burst: 2, perPeriod: 2, periodSeconds: 60 };
    const checks = [
      { key: perAccount!, rule },
      { key: perAddress!, rule },
    ];
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await consume(cluster.redis, checks)).allowed);
    expect(answers).toEqual([true, true, false]);
  });
});
