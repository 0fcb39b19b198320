// A broadcast's lifecycle against a real server and Redis: scheduled, cancelled (before its time
// and mid-run), retracted (live, and resumed after a SIGKILL), expired. Every scenario ends by
// reading the lists themselves.
import { io, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ClientToServerEvents, ServerToClientEvents } from "../../lib/realtime/events";
import {
  apiClient,
  copyHistogram,
  createApiToken,
  defaultKeys as keys,
  rawMessages,
  seedManySessions,
  visitChatPage,
  waitFor,
} from "../helpers/herald";
import { startTestRedis, type TestRedis } from "../helpers/redis";
import { runCli, startTestServer, type TestServer } from "../helpers/server";

const SERVER_ENV = { HERALD_JOB_LOCK_MS: "3000", LOG_LEVEL: "warn" };

let t: TestRedis;
let server: TestServer;
let api: ReturnType<typeof apiClient>;
let token: string;
let ids: string[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  t = await startTestRedis();
  server = await startTestServer({ redisUrl: t.url, env: SERVER_ENV });
});
beforeEach(async () => {
  await t.redis.flushall();
  token = await createApiToken(t.redis);
  api = apiClient(server.baseUrl, token);
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});
afterAll(async () => {
  await server?.stop();
  await t?.stop();
});

const status = async (id: string) => (await api.get(`/api/broadcasts/${id}`)).json.status as string;
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe("schedule", () => {
  it("stores nothing before its time and exactly one copy after; the API shows scheduled, then completed", async () => {
    ids = await seedManySessions(t.redis, 200);
    const res = await api.post("/api/broadcasts", { message: "Later", id: "sched-1", sendAt: inSeconds(2) });
    expect(res.status, res.text).toBe(202);
    expect(res.json).toEqual({ id: "sched-1", status: "scheduled" });
    expect(await status("sched-1")).toBe("scheduled");
    expect(await copyHistogram(t.redis, ids, "sched-1")).toEqual({ 0: 200 });
    const done = await api.waitFinished("sched-1", 30_000);
    expect(done).toMatchObject({ status: "completed", targeted: 200, stored: 200 });
    expect(Date.parse(done.startedAt)).toBeGreaterThanOrEqual(Date.parse(done.sendAt));
    expect(await copyHistogram(t.redis, ids, "sched-1")).toEqual({ 1: 200 });
  });

  it("a scheduled broadcast cancelled before its time is never stored", async () => {
    ids = await seedManySessions(t.redis, 50);
    await api.post("/api/broadcasts", { message: "Never", id: "sched-2", sendAt: inSeconds(2) });
    const cancel = await api.post("/api/broadcasts/sched-2/cancel", {});
    expect(cancel.status, cancel.text).toBe(200);
    expect(cancel.json).toEqual({ id: "sched-2", status: "cancelled" });
    // Past its time (and a second more), it is still cancelled and nothing was stored.
    const sendAt = Date.parse((await api.get("/api/broadcasts/sched-2")).json.sendAt);
    await waitFor(
      async () => (Date.now() > sendAt + 1000 ? true : undefined),
      "its time to pass",
      10_000,
      100,
    );
    expect(await status("sched-2")).toBe("cancelled");
    expect(await copyHistogram(t.redis, ids, "sched-2")).toEqual({ 0: 50 });
    // Cancelling again is a no-op; a finished broadcast cannot be cancelled.
    expect((await api.post("/api/broadcasts/sched-2/cancel", {})).status).toBe(200);
    await api.post("/api/broadcasts?wait=30", {
      message: "Done",
      id: "done-1",
      target: { type: "sessions", ids: ["s0"] },
    });
    const late = await api.post("/api/broadcasts/done-1/cancel", {});
    expect(late.status).toBe(409);
    expect((await api.post("/api/broadcasts/nope/cancel", {})).status).toBe(404);
  });

  it("refuses a sendAt in the past or more than 30 days ahead, and an expiresAt before it", async () => {
    for (const body of [
      { message: "m", sendAt: new Date(Date.now() - 1000).toISOString() },
      { message: "m", sendAt: new Date(Date.now() + 31 * 86_400_000).toISOString() },
      { message: "m", sendAt: "tomorrow" },
      { message: "m", sendAt: inSeconds(60), expiresAt: inSeconds(30) },
    ]) {
      const res = await api.post("/api/broadcasts", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(await t.redis.zcard(keys.broadcastIndex())).toBe(0);
  });
});

describe("retract", () => {
  it("removes exactly its copy from 10,000 sessions (later user messages stay, in order), live and after a reload", async () => {
    ids = await seedManySessions(t.redis, 10_000);
    const visitor = await visitChatPage(server.baseUrl);
    ids.push(visitor.sessionId);
    const sock = io(server.baseUrl, {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      extraHeaders: { cookie: visitor.cookie },
    }) as Socket<ServerToClientEvents, ClientToServerEvents>;
    sockets.push(sock);
    await new Promise<void>((resolve, reject) => {
      sock.once("connect", () => resolve());
      sock.once("connect_error", reject);
    });

    const sent = await api.post("/api/broadcasts?wait=60", { message: "Oops", id: "oops" });
    expect(sent.json).toMatchObject({ status: "completed", stored: ids.length });
    // Other messages after it: a user message in every tenth session, another broadcast in all.
    for (let i = 0; i < ids.length; i += 10)
      await t.redis.rpush(
        keys.sessionMessages(ids[i]!),
        JSON.stringify({ id: `after-${i}`, type: "user", message: "later" }),
      );
    await api.post("/api/broadcasts?wait=60", { message: "Keep me", id: "keep" });
    const before = new Map<string, string[]>();
    for (const id of ids.slice(0, 50)) before.set(id, await rawMessages(t.redis, id));

    const retracted = new Promise<{ broadcastId: string }>((resolve) => sock.once("retract", resolve));
    const res = await api.del("/api/broadcasts/oops");
    expect([200, 202]).toContain(res.status);
    expect(res.json).toMatchObject({ id: "oops", status: "retracted" });
    expect(await retracted).toEqual({ broadcastId: "oops" });

    const done = await waitFor(async () => {
      const b = (await api.get("/api/broadcasts/oops")).json;
      return b.retraction === "done" ? b : undefined;
    }, "retraction done");
    expect(done).toMatchObject({
      status: "retracted",
      removed: ids.length,
      retractedBy: `token:test-${process.pid}`,
    });
    expect(await copyHistogram(t.redis, ids, "oops")).toEqual({ 0: ids.length });
    expect(await copyHistogram(t.redis, ids, "keep")).toEqual({ 1: ids.length });
    for (const [id, list] of before) {
      const oops = list.find((m) => m.includes('"broadcastId":"oops"'));
      expect(await rawMessages(t.redis, id)).toEqual(list.filter((m) => m !== oops));
    }
    // The chat page's own history no longer has it, and names it as retracted.
    const history = await fetch(`${server.baseUrl}/chat/api/messages`, {
      headers: { cookie: visitor.cookie },
    });
    const body = (await history.json()) as {
      messages: { message?: { broadcastId?: string } }[];
      retracted: string[];
    };
    expect(body.messages.some((m) => m.message?.broadcastId === "oops")).toBe(false);
    expect(body.retracted).toContain("oops");
    // Retracting again answers what was done; the audit trail has both actions.
    const again = await api.del("/api/broadcasts/oops");
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ removed: ids.length, retraction: "done" });
    const audit = await api.get("/api/audit?broadcastId=oops");
    expect(audit.json.entries.map((e: { action: string }) => e.action)).toEqual([
      "broadcast.retracted",
      "broadcast.sent",
    ]);
  });

  it("expiresAt 2 s after sending removes it by itself", async () => {
    ids = await seedManySessions(t.redis, 100);
    const sent = await api.post("/api/broadcasts?wait=30", {
      message: "Brief",
      id: "brief",
      expiresAt: inSeconds(2),
    });
    expect(sent.json).toMatchObject({ status: "completed", stored: 100 });
    expect(await copyHistogram(t.redis, ids, "brief")).toEqual({ 1: 100 });
    const done = await waitFor(
      async () => {
        const b = (await api.get("/api/broadcasts/brief")).json;
        return b.retraction === "done" ? b : undefined;
      },
      "expiry",
      30_000,
      100,
    );
    expect(done).toMatchObject({ status: "retracted", retractedBy: "expiry", removed: 100 });
    expect(await copyHistogram(t.redis, ids, "brief")).toEqual({ 0: 100 });
    const audit = await api.get("/api/audit?broadcastId=brief");
    expect(audit.json.entries[0]).toMatchObject({ action: "broadcast.expired", actor: "expiry" });
  });

  it("a retract interrupted by SIGKILL at 100,000 sessions completes after a restart, exactly", async () => {
    ids = await seedManySessions(t.redis, 100_000);
    const sent = await api.post("/api/broadcasts?wait=60", { message: "Big oops", id: "big-oops" });
    expect(sent.json).toMatchObject({ status: "completed", stored: 100_000 });
    const victim = await startTestServer({
      redisUrl: t.url,
      env: { ...SERVER_ENV, HERALD_WORKER_CONCURRENCY: "1" },
    });
    // Only the victim runs jobs now: the main server's worker is stopped by running none.
    await server.stop();
    try {
      const res = await apiClient(victim.baseUrl, token).del("/api/broadcasts/big-oops");
      expect(res.status).toBe(202);
      await waitFor(async () => {
        const [cursor, removed] = await t.redis.hmget(keys.broadcast("big-oops"), "retractCursor", "removed");
        return cursor && cursor !== "0" && Number(removed) > 0 ? true : undefined;
      }, "retract part-way");
      await victim.kill();
      const part = Number(await t.redis.hget(keys.broadcast("big-oops"), "removed"));
      expect(part).toBeLessThan(100_000);
    } finally {
      await victim.stop();
      server = await startTestServer({ redisUrl: t.url, env: SERVER_ENV });
      api = apiClient(server.baseUrl, token);
    }
    const done = await waitFor(
      async () => {
        const b = (await api.get("/api/broadcasts/big-oops")).json;
        return b.retraction === "done" ? b : undefined;
      },
      "retraction resumed",
      60_000,
      100,
    );
    expect(done.removed).toBe(100_000);
    expect(await copyHistogram(t.redis, ids, "big-oops")).toEqual({ 0: 100_000 });
  });
});

describe("cancel mid-run", () => {
  it("cancelled at 100,000 sessions: status cancelled, its counts match the lists", async () => {
    ids = await seedManySessions(t.redis, 100_000);
    const res = await api.post("/api/broadcasts", { message: "Stop me", id: "stop-me" });
    expect(res.status).toBe(202);
    await waitFor(async () => {
      const n = Number(await t.redis.hget(keys.broadcast("stop-me"), "processed"));
      return n >= 10_000 ? true : undefined;
    }, "part-way");
    const cancel = await api.post("/api/broadcasts/stop-me/cancel", {});
    expect(cancel.status, cancel.text).toBe(200);
    // The run stops between batches; its job then ends.
    await waitFor(async () => {
      const job = await t.redis.hget("herald:{jobs}:broadcasts:bc-stop-me", "finishedOn");
      return job ? true : undefined;
    }, "the run to stop");
    const b = (await api.get("/api/broadcasts/stop-me")).json;
    expect(b.status).toBe("cancelled");
    const histogram = await copyHistogram(t.redis, ids, "stop-me");
    expect(histogram[2]).toBeUndefined();
    expect(histogram[1]).toBe(b.stored);
    expect(b.stored).toBeGreaterThan(0);
    expect(b.stored).toBeLessThan(100_000);
    expect(await t.redis.hlen(keys.deliveries("stop-me"))).toBe(b.targeted);
  });
});

describe("CLI", () => {
  it("schedules with --at and --expires-in, cancels and retracts", async () => {
    ids = await seedManySessions(t.redis, 20);
    const env = { REDIS_URL: t.url };
    const at = inSeconds(600);
    const sched = await runCli(
      ["broadcast", "Later", "--id", "cli-1", "--at", at, "--expires-in", "2h"],
      env,
    );
    expect(sched.code, sched.stderr).toBe(0);
    expect(sched.stdout.trim()).toBe("cli-1");
    const b = (await api.get("/api/broadcasts/cli-1")).json;
    expect(b).toMatchObject({
      status: "scheduled",
      sendAt: at,
      expiresAt: new Date(Date.parse(at) + 7_200_000).toISOString(),
    });
    const cancel = await runCli(["broadcast", "cancel", "cli-1"], env);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain("Broadcast cli-1 cancelled");
    expect(await status("cli-1")).toBe("cancelled");

    const sent = await runCli(["broadcast", "Now", "--id", "cli-2"], env);
    expect(sent.code, sent.stderr).toBe(0);
    const retract = await runCli(["broadcast", "retract", "cli-2"], env);
    expect(retract.code, retract.stderr).toBe(0);
    expect(retract.stdout).toContain("Broadcast cli-2 retracted: removed 20 copies");
    expect(await copyHistogram(t.redis, ids, "cli-2")).toEqual({ 0: 20 });

    const bad = await runCli(["broadcast", "m", "--expires-in", "soon"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--expires-in");
    const missing = await runCli(["broadcast", "cancel", "no-such"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not found/);
  });
});
