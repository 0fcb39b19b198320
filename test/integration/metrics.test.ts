// /metrics on the real server (after `next build`) and a real redis-server: the broadcast
// counters move when the server's own worker runs a job, with exact values for a known number of
// sessions; the legacy app's app_messages_* keep their names and meaning; the queue depth gauge;
// Redis failures are counted, and a scrape still answers when Redis does not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getMetrics, type JobCounts, renderMetrics } from "../../lib/metrics";
import { createRedis } from "../../lib/redis/connection";
import {
  apiClient,
  createApiToken,
  defaultKeys as keys,
  seedSession,
  testDeps,
  visitChatPage,
  waitFor,
} from "../helpers/herald";
import { startTestRedis, type TestRedis } from "../helpers/redis";
import { startTestServer, type TestServer } from "../helpers/server";

let t: TestRedis;
let server: TestServer;
let api: ReturnType<typeof apiClient>;

/** 7 sessions that take the message, shaped as the chat app leaves them, and 1 that cannot. */
const GOOD = 7;

beforeAll(async () => {
  t = await startTestRedis();
  // Public, so that a scrape needs no token check (which needs Redis) while Redis is stalled.
  server = await startTestServer({ redisUrl: t.url, env: { HERALD_METRICS_PUBLIC: "1" } });
  api = apiClient(server.baseUrl, await createApiToken(t.redis, "metrics-tests"));
  for (let i = 0; i < 3; i++) await seedSession(t.redis, `data-${i}`, "data");
  for (let i = 0; i < 2; i++) await seedSession(t.redis, `list-${i}`, "list");
  for (let i = 0; i < 2; i++) await seedSession(t.redis, `both-${i}`, "both");
  // A legacy key of the wrong type: that one session fails, the broadcast is `partial`.
  await t.redis.set(keys.sessionMessages("broken"), "not a list");
});
afterAll(async () => {
  await server?.stop();
  await t?.stop();
});

/** The value of one sample (`name{labels} value`), or undefined when the series is absent. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const escaped = `${name}${labels ? `{${labels}}` : ""}`.replace(/[{}.*+?^$()|[\]\\]/g, "\\$&");
  const m = new RegExp(`^${escaped} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

async function scrape(): Promise<string> {
  const res = await api.get("/metrics");
  expect(res.status).toBe(200);
  return res.text;
}

describe("/metrics on the server", () => {
  it("starts with the counters at zero and no broadcast observed", async () => {
    const text = await scrape();
    expect(sample(text, "herald_fanout_duration_seconds_count")).toBe(0);
    expect(sample(text, "app_messages_sent")).toBe(0);
    expect(sample(text, "app_messages_total")).toBe(0);
    expect(text).toMatch(/^# TYPE app_messages_sent counter$/m);
    expect(text).toMatch(/^# TYPE app_messages_total counter$/m);
    expect(sample(text, "herald_jobs", 'state="waiting"')).toBe(0);
  });

  it("a broadcast run by the server's worker moves every counter by the exact amounts", async () => {
    const res = await api.post("/api/broadcasts?wait=60", { message: "counted", id: "m-1" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "partial", targeted: GOOD + 1, stored: GOOD, failed: 1 });

    const text = await scrape();
    expect(sample(text, "herald_broadcasts_total", 'status="partial"')).toBe(1);
    expect(sample(text, "herald_broadcasts_total", 'status="completed"')).toBeUndefined();
    expect(sample(text, "herald_broadcast_sessions_total", 'outcome="stored"')).toBe(GOOD);
    expect(sample(text, "herald_broadcast_sessions_total", 'outcome="duplicate"')).toBe(0);
    expect(sample(text, "herald_broadcast_sessions_total", 'outcome="failed"')).toBe(1);
    expect(sample(text, "herald_fanout_duration_seconds_count")).toBe(1);
    expect(sample(text, "herald_fanout_duration_seconds_sum")).toBeGreaterThan(0);
    expect(sample(text, "herald_fanout_duration_seconds_bucket", 'le="+Inf"')).toBe(1);
    // Legacy meaning: one broadcast sent, one message added to each session that took it.
    expect(sample(text, "app_messages_sent")).toBe(1);
    expect(sample(text, "app_messages_total")).toBe(GOOD);
  });

  it("sending the same id again counts a second run: all duplicates, no new message", async () => {
    const res = await api.post("/api/broadcasts?wait=60", { message: "counted", id: "m-1" });
    expect(res.json).toMatchObject({ status: "partial", stored: GOOD, duplicates: 0, failed: 1 });
    const text = await scrape();
    expect(sample(text, "herald_broadcasts_total", 'status="partial"')).toBe(2);
    expect(sample(text, "herald_fanout_duration_seconds_count")).toBe(2);
    expect(sample(text, "app_messages_sent")).toBe(2);
    // Nothing was stored twice, so no message was added.
    expect(sample(text, "app_messages_total")).toBe(GOOD);
    // Each session's outcome counts once per broadcast, however many runs it took.
    expect(sample(text, "herald_broadcast_sessions_total", 'outcome="stored"')).toBe(GOOD);
    expect(sample(text, "herald_broadcast_sessions_total", 'outcome="failed"')).toBe(1);
  });

  it("a completed broadcast to named sessions counts under its own status", async () => {
    const res = await api.post("/api/broadcasts?wait=60", {
      message: "two",
      id: "m-2",
      target: { type: "sessions", ids: ["data-0", "list-0"] },
    });
    expect(res.json).toMatchObject({ status: "completed", stored: 2 });
    const text = await scrape();
    expect(sample(text, "herald_broadcasts_total", 'status="completed"')).toBe(1);
    expect(sample(text, "herald_broadcast_sessions_total", 'outcome="stored"')).toBe(GOOD + 2);
    expect(sample(text, "app_messages_sent")).toBe(3);
    expect(sample(text, "app_messages_total")).toBe(GOOD + 2);
  });

  it("a user message posted on the chat page adds one to app_messages_total", async () => {
    const visitor = await visitChatPage(server.baseUrl);
    const res = await fetch(`${server.baseUrl}/chat/api/messages`, {
      method: "POST",
      headers: { cookie: visitor.cookie, "content-type": "application/json", origin: server.baseUrl },
      body: JSON.stringify({ message: "hello" }),
    });
    expect(res.status).toBe(201);
    const text = await scrape();
    expect(sample(text, "app_messages_total")).toBe(GOOD + 3);
    expect(sample(text, "app_messages_sent")).toBe(3);
  });

  it("herald_jobs shows a scheduled broadcast as delayed, and nothing waiting", async () => {
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await api.post("/api/broadcasts", { message: "later", id: "m-later", sendAt });
    expect(res.status).toBe(202);
    const text = await scrape();
    expect(sample(text, "herald_jobs", 'state="delayed"')).toBe(1);
    expect(sample(text, "herald_jobs", 'state="waiting"')).toBe(0);
    expect(sample(text, "herald_jobs", 'state="active"')).toBe(0);
    expect(sample(text, "herald_jobs", 'state="failed"')).toBe(0);
    expect(sample(text, "herald_redis_errors_total", 'kind="timeout"')).toBeUndefined();
  });
});

describe("/metrics while Redis is stalled (SIGSTOP)", () => {
  it("answers in time without the gauges it reads from Redis, and counts the timeouts", async () => {
    process.kill(t.pid(), "SIGSTOP");
    try {
      const started = Date.now();
      const res = await fetch(`${server.baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
      const text = await res.text();
      expect(sample(text, "app_messages_sent")).toBe(3);
      expect(text).not.toMatch(/^herald_jobs\{/m);
      expect(text).not.toMatch(/^herald_sessions_online /m);
      // The reads left behind time out at their 2 s deadline: the next scrape counts them.
      await waitFor(async () => {
        const later = await (await fetch(`${server.baseUrl}/metrics`)).text();
        return (sample(later, "herald_redis_errors_total", 'kind="timeout"') ?? 0) > 0 ? true : undefined;
      }, "the stalled reads to be counted as timeouts");
    } finally {
      process.kill(t.pid(), "SIGCONT");
    }
    const text = await scrape();
    expect(sample(text, "herald_jobs", 'state="delayed"')).toBe(1);
  });
});

describe("Redis failures and scrapes (in this process)", () => {
  it("counts error replies, and connection errors from the error events", async () => {
    // prom-client hands out its live sample objects: copy the numbers.
    const counts = async () =>
      Object.fromEntries((await getMetrics().redisErrors.get()).values.map((v) => [v.labels.kind, v.value]));
    const before = await counts();
    const count = (values: Record<string, number>, kind: string) => values[kind] ?? 0;

    const client = createRedis("metrics-test", t.url);
    await client.set("metrics:not-a-number", "x");
    await expect(client.incr("metrics:not-a-number")).rejects.toThrow(/not an integer/);
    await client.quit();
    const dead = createRedis("metrics-dead", `unix://${t.dir}/nobody-listens.sock`);
    await expect(dead.ping()).rejects.toThrow();
    dead.disconnect();

    const after = await counts();
    expect(count(after, "reply") - count(before, "reply")).toBe(1);
    expect(count(after, "connection") - count(before, "connection")).toBeGreaterThan(0);
    expect(count(after, "unavailable") - count(before, "unavailable")).toBe(1);
  });

  it("a scrape answers in time when Redis does not: its Redis gauges are left out", async () => {
    const dead = createRedis("metrics-dead", `unix://${t.dir}/nobody-listens.sock`);
    const deps = { ...testDeps(t.redis, t.url), redis: dead };
    const started = Date.now();
    const never = () => new Promise<JobCounts>(() => {});
    const { body } = await renderMetrics(deps, { jobCounts: never });
    dead.disconnect();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(body).not.toMatch(/^herald_sessions_online /m);
    expect(body).not.toMatch(/^herald_jobs\{/m);
    expect(body).toMatch(/^herald_redis_errors_total\{kind="connection"\} [1-9]/m);
  });
});
