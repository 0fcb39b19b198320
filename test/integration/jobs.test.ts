// Broadcasts as durable jobs, under real faults: the server SIGKILLed mid-fan-out, Redis
// restarted or killed under it, two instances sharing the work, Redis stalled (SIGSTOP).
// Every scenario ends with a count of the copies in every session: exactly one each.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createBroadcast } from "../../lib/broadcasts/create";
import { BroadcastInputSchema } from "../../lib/schemas/broadcast";
import {
  apiClient,
  copyHistogram,
  createApiToken,
  defaultKeys as keys,
  seedManySessions,
  testDeps,
  waitFor,
} from "../helpers/herald";
import { startTestRedis, type TestRedis } from "../helpers/redis";
import { startTestServer, type TestServer } from "../helpers/server";

const SESSIONS = 100_000;
/** A dead worker's job is noticed within ~1.5x its lock: short here, so the suite stays quick. */
const SERVER_ENV = { HERALD_JOB_LOCK_MS: "3000", LOG_LEVEL: "warn" };

let t: TestRedis;
let token: string;
let ids: string[] = [];
const servers: TestServer[] = [];

const start = async () => {
  const s = await startTestServer({ redisUrl: t.url, env: SERVER_ENV });
  servers.push(s);
  return s;
};

beforeAll(async () => {
  t = await startTestRedis({ persist: true });
});
afterAll(async () => {
  await t?.stop();
});
beforeEach(async () => {
  await t.redis.flushall();
  token = await createApiToken(t.redis);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const processed = async (id: string) => Number(await t.redis.hget(keys.broadcast(id), "processed")) || 0;

/** Start a broadcast to every session and wait until it is part-way (`atLeast` sessions walked). */
async function sendAndWaitPartWay(server: TestServer, id: string, atLeast = 20_000) {
  const res = await apiClient(server.baseUrl, token).post("/api/broadcasts", { message: "Durable", id });
  expect(res.status, res.text).toBe(202);
  await waitFor(async () => ((await processed(id)) >= atLeast ? true : undefined), `${id} part-way`);
}

async function expectExactlyOnce(id: string, summary: Record<string, unknown>) {
  expect(summary).toMatchObject({ status: "completed", targeted: ids.length, failed: 0 });
  expect((summary.stored as number) + (summary.duplicates as number)).toBe(ids.length);
  expect(await copyHistogram(t.redis, ids, id)).toEqual({ 1: ids.length });
  expect(await t.redis.hlen(keys.deliveries(id))).toBe(ids.length);
  expect(await t.redis.scard(keys.deliveriesByStatus(id, "failed"))).toBe(0);
}

describe("crashes at 100,000 sessions", () => {
  beforeEach(async () => {
    ids = await seedManySessions(t.redis, SESSIONS);
  });

  it("a server SIGKILLed mid-fan-out: started again, it finishes the broadcast with no re-send", async () => {
    const first = await start();
    await sendAndWaitPartWay(first, "crash-1");
    await first.kill();
    const left = await t.redis.hget(keys.broadcast("crash-1"), "status");
    expect(left).toBe("running");
    expect(await processed("crash-1")).toBeLessThan(SESSIONS);

    const second = await start();
    const summary = await apiClient(second.baseUrl, token).waitFinished("crash-1", 120_000);
    await expectExactlyOnce("crash-1", summary);
  });

  it("a server SIGKILLed and Redis restarted (AOF) mid-fan-out: the walk starts over and stays exact", async () => {
    const first = await start();
    await sendAndWaitPartWay(first, "crash-2");
    await first.kill();
    const runIdBefore = await t.redis.hget(keys.broadcast("crash-2"), "cursorRunId");
    expect(runIdBefore).toBeTruthy();
    await t.restart("SIGTERM");
    await waitFor(
      async () => ((await t.redis.ping().catch(() => "")) === "PONG" ? true : undefined),
      "redis back",
    );

    const second = await start();
    const summary = await apiClient(second.baseUrl, token).waitFinished("crash-2", 120_000);
    await expectExactlyOnce("crash-2", summary);
  });

  it("Redis SIGKILLed mid-fan-out under a running server: the run is retried, nothing is recorded failed", async () => {
    const server = await start();
    await sendAndWaitPartWay(server, "crash-3");
    await t.restart("SIGKILL");
    const summary = await apiClient(server.baseUrl, token).waitFinished("crash-3", 120_000);
    await expectExactlyOnce("crash-3", summary);
  });

  it("two instances on one Redis: killing the one that runs the job, the other finishes it", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    await sendAndWaitPartWay(a, "crash-4", 10_000);
    const runner = await t.redis.hget(keys.broadcast("crash-4"), "runner");
    const running = [a, b].find((s) => runner?.endsWith(`:${s.pid}`));
    expect(running, `runner ${runner}`).toBeDefined();
    const other = running === a ? b : a;
    await running!.kill();
    const summary = await apiClient(other.baseUrl, token).waitFinished("crash-4", 120_000);
    await expectExactlyOnce("crash-4", summary);
    expect(await t.redis.hget(keys.broadcast("crash-4"), "runner")).toMatch(new RegExp(`:${other.pid}$`));
  });
});

describe("a record without its job", () => {
  it("an id whose process died before its job was added is usable again; left alone it ends failed, never sent behind the caller's back", async () => {
    ids = await seedManySessions(t.redis, 50);
    const deps = testDeps(t.redis, t.url);
    // What a process leaves when it dies right after the claim: the record, no job.
    const request = BroadcastInputSchema.parse({ message: "orphan", id: "orphan-1" });
    await createBroadcast(deps, request, "test");
    await createBroadcast(deps, { ...request, message: "orphan too", id: "orphan-2" }, "test");
    // orphan-2's request died a minute ago: nobody was told it was accepted.
    await t.redis.hset(keys.broadcast("orphan-2"), "createdAt", new Date(Date.now() - 60_000).toISOString());

    const server = await start();
    const api = apiClient(server.baseUrl, token);
    // Sent again: a job is added and it runs.
    const again = await api.post("/api/broadcasts?wait=60", { message: "orphan", id: "orphan-1" });
    expect(again.status, again.text).toBe(200);
    expect(again.json).toMatchObject({ status: "completed", targeted: 50, stored: 50 });
    // Not sent again: the server's reconciliation says so, and stores nothing.
    const settled = await api.waitFinished("orphan-2");
    expect(settled).toMatchObject({ status: "failed", targeted: 0, stored: 0 });
    expect(settled.error).toMatch(/never queued/);
    expect(await copyHistogram(t.redis, ids, "orphan-2")).toEqual({ 0: 50 });
    // Its id works: sent again, it runs.
    const rerun = await api.post("/api/broadcasts?wait=60", { message: "orphan too", id: "orphan-2" });
    expect(rerun.json).toMatchObject({ status: "completed", targeted: 50, stored: 50 });
    expect(await copyHistogram(t.redis, ids, "orphan-2")).toEqual({ 1: 50 });
  });
});

/** Ids of every session in Redis (the seeded ones and any chat-page visitor's). */
async function seededAndVisitors(): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keysFound] = await t.redis.scan(cursor, "MATCH", "session:*", "COUNT", 1000);
    cursor = next;
    for (const k of keysFound) if (!k.endsWith(":messages")) found.push(k.slice("session:".length));
  } while (cursor !== "0");
  return found;
}

describe("a stalled Redis", () => {
  it("SIGSTOP for 10 s: API calls answer 503 within 3 s, the chat page says so; all recover on SIGCONT", async () => {
    ids = await seedManySessions(t.redis, 20);
    const server = await start();
    const api = apiClient(server.baseUrl, token);
    process.kill(t.pid(), "SIGSTOP");
    const stoppedAt = Date.now();
    try {
      const timed = async (call: () => Promise<{ status: number }>) => {
        const t0 = Date.now();
        const res = await call();
        return { status: res.status, ms: Date.now() - t0 };
      };
      const calls = {
        sessions: await timed(() => api.get("/api/sessions")),
        history: await timed(() => api.get("/api/broadcasts")),
        send: await timed(() => api.post("/api/broadcasts", { message: "while stalled" })),
        health: await timed(() => fetch(`${server.baseUrl}/api/health`)),
      };
      for (const [name, c] of Object.entries(calls)) {
        expect(c.status, name).toBe(503);
        expect(c.ms, name).toBeLessThan(3000);
      }
      const page = await fetch(`${server.baseUrl}/`);
      expect(page.status).toBe(503);
      expect(await page.text()).toContain("temporarily unavailable");
      // Still stalled (10 s in all) and the process is still up.
      await waitFor(
        async () => (Date.now() - stoppedAt >= 10_000 ? true : undefined),
        "10 s of stall",
        20_000,
        200,
      );
      expect((await fetch(`${server.baseUrl}/api/health`)).status).toBe(503);
    } finally {
      process.kill(t.pid(), "SIGCONT");
    }
    await waitFor(
      async () => ((await fetch(`${server.baseUrl}/api/health`)).status === 200 ? true : undefined),
      "health after SIGCONT",
      30_000,
      100,
    );
    const sent = await api.post("/api/broadcasts?wait=60", { message: "after the stall", id: "after-stall" });
    expect(sent.status, sent.text).toBe(200);
    // Commands sent before the stall run when Redis resumes (the chat page's new session among
    // them, though its request got a 503): every session there is then gets one copy.
    const sessions = await seededAndVisitors();
    expect(sent.json).toMatchObject({ status: "completed", targeted: sessions.length, failed: 0 });
    expect(await copyHistogram(t.redis, sessions, "after-stall")).toEqual({ 1: sessions.length });
    expect((await fetch(`${server.baseUrl}/`)).status).toBe(200);
  });
});
