// Abuse limits on the real server (after `next build`) and a real redis-server: new chat
// sessions per client address, messages per address across sessions, the history length cap,
// the memory guard, and the security headers on every kind of response.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../lib/sessions/visitor";
import { defaultKeys as keys, visitChatPage, waitFor } from "../helpers/herald";
import { startTestRedis, type TestRedis } from "../helpers/redis";
import { startTestServer, type TestServer } from "../helpers/server";

const BURST = 10;
const ADDRESS_MESSAGES_BURST = 8;
const HISTORY_MAX = 5;

let t: TestRedis;
let server: TestServer;
let base: string;

beforeAll(async () => {
  t = await startTestRedis();
  server = await startTestServer({
    redisUrl: t.url,
    env: {
      // Behind a "proxy": each test picks its client address with X-Forwarded-For.
      HERALD_TRUST_PROXY: "1",
      HERALD_NEW_SESSIONS_BURST: String(BURST),
      HERALD_NEW_SESSIONS_PER_HOUR: "60",
      HERALD_ADDRESS_MESSAGES_BURST: String(ADDRESS_MESSAGES_BURST),
      HERALD_ADDRESS_MESSAGES_PER_MINUTE: "6",
      HERALD_USER_HISTORY_MAX: String(HISTORY_MAX),
    },
  });
  base = server.baseUrl;
});
afterAll(async () => {
  await server?.stop();
  await t?.stop();
});

const from = (address: string) => ({ "x-forwarded-for": address });

async function countSessionKeys(): Promise<number> {
  let cursor = "0";
  let n = 0;
  do {
    const [next, found] = await t.redis.scan(cursor, "MATCH", "session:*", "COUNT", 1000);
    n += found.filter((k) => !k.endsWith(":messages")).length;
    cursor = next;
  } while (cursor !== "0");
  return n;
}

const postMessage = (cookie: string, message: string, headers: Record<string, string>) =>
  fetch(`${base}/chat/api/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base, cookie, ...headers },
    body: JSON.stringify({ message }),
  });

describe("new chat sessions per address", () => {
  it("200 cookieless GET / from one address: the burst gets sessions, the rest 429; another address is not affected", async () => {
    const before = await countSessionKeys();
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => fetch(`${base}/`, { headers: from("203.0.113.50") })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(BURST);
    expect(statuses.filter((s) => s === 429)).toHaveLength(200 - BURST);
    expect((await countSessionKeys()) - before).toBe(BURST);

    const refused = answers.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("content-type")).toContain("text/html");
    expect(refused.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    expect(await refused.text()).toContain("Too many new chat sessions");

    // Another address, and a returning visitor from the limited one, are served.
    const other = await visitChatPage(base, from("198.51.100.9"));
    expect(other.sessionId).toBeTruthy();
    const returning = answers.find((r) => r.status === 200)!;
    const cookie = returning.headers.getSetCookie()[0]!.split(";")[0]!;
    expect((await fetch(`${base}/`, { headers: { ...from("203.0.113.50"), cookie } })).status).toBe(200);
  });

  it("counts an IPv6 /64 as one address", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < BURST + 2; i++) {
      statuses.push(
        (await fetch(`${base}/`, { headers: from(`2001:db8:1:2::${(i + 1).toString(16)}`) })).status,
      );
    }
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect((await fetch(`${base}/`, { headers: from("2001:db8:1:3::1") })).status).toBe(200);
  });
});

describe("chat messages", () => {
  it("are limited per address across that address's sessions", async () => {
    const address = from("192.0.2.10");
    const a = await visitChatPage(base, address);
    const b = await visitChatPage(base, address);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await postMessage(a.cookie, `a${i}`, address)).status);
    for (let i = 0; i < 5; i++) statuses.push((await postMessage(b.cookie, `b${i}`, address)).status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(ADDRESS_MESSAGES_BURST);
    expect(statuses.slice(ADDRESS_MESSAGES_BURST)).toEqual([429, 429]);
    const stored =
      (await t.redis.llen(keys.sessionMessages(a.sessionId))) +
      (await t.redis.llen(keys.sessionMessages(b.sessionId)));
    expect(stored).toBe(ADDRESS_MESSAGES_BURST);
  });

  it("stop at the history cap: the list never grows past it with user messages", async () => {
    const address = from("192.0.2.11");
    const me = await visitChatPage(base, address);
    const statuses: number[] = [];
    for (let i = 0; i < HISTORY_MAX + 2; i++)
      statuses.push((await postMessage(me.cookie, `m${i}`, address)).status);
    expect(statuses).toEqual([...Array(HISTORY_MAX).fill(201), 429, 429]);
    expect(await t.redis.llen(keys.sessionMessages(me.sessionId))).toBe(HISTORY_MAX);
  });

  it("keep a list's longer TTL, and leave a list without TTL without one", async () => {
    const address = from("192.0.2.12");
    const forever = await visitChatPage(base, address);
    const long = await visitChatPage(base, address);
    const old = JSON.stringify({
      id: "old",
      type: "user",
      message: "old",
      createdAt: new Date().toISOString(),
    });
    await t.redis.rpush(keys.sessionMessages(forever.sessionId), old);
    await t.redis.rpush(keys.sessionMessages(long.sessionId), old);
    await t.redis.expire(keys.sessionMessages(long.sessionId), 100 * 24 * 3600);
    expect((await postMessage(forever.cookie, "hi", address)).status).toBe(201);
    expect((await postMessage(long.cookie, "hi", address)).status).toBe(201);
    expect(await t.redis.ttl(keys.sessionMessages(forever.sessionId))).toBe(-1);
    expect(await t.redis.ttl(keys.sessionMessages(long.sessionId))).toBeGreaterThan(99 * 24 * 3600);
  });
});

describe("the memory guard", () => {
  it("refuses new sessions and messages with a 503 page while Redis is nearly full, and recovers", async () => {
    const address = from("192.0.2.20");
    const me = await visitChatPage(base, address);
    const used = Number(/^used_memory:(\d+)/m.exec(await t.redis.info("memory"))![1]);
    // 90 % of maxmemory is the default guard: set maxmemory so that Redis is above it already.
    await t.redis.config("SET", "maxmemory", String(Math.floor(used / 0.95)));
    try {
      const full = await waitFor(async () => {
        const r = await fetch(`${base}/`, { headers: from("192.0.2.21") });
        return r.status === 503 ? r : undefined;
      }, "the guard to refuse a new session");
      expect(full.headers.get("retry-after")).toBeTruthy();
      expect(await full.text()).toContain("Chat is full");
      const msg = await postMessage(me.cookie, "hello", address);
      expect(msg.status).toBe(503);
      // A returning visitor still reads their chat.
      expect((await fetch(`${base}/`, { headers: { ...address, cookie: me.cookie } })).status).toBe(200);
    } finally {
      await t.redis.config("SET", "maxmemory", "0");
    }
    await waitFor(async () => {
      const r = await fetch(`${base}/`, { headers: from("192.0.2.22") });
      return r.status === 200 ? true : undefined;
    }, "new sessions to be accepted again");
  });
});

describe("security headers", () => {
  const EXPECTED = [
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "permissions-policy",
  ];

  it("are on pages, API answers, errors, refusals and the Socket.IO transport", async () => {
    const address = from("192.0.2.30");
    const answers = await Promise.all([
      fetch(`${base}/`, { headers: address }),
      fetch(`${base}/admin/sign-in`),
      fetch(`${base}/admin`, { redirect: "manual" }),
      fetch(`${base}/api/health`),
      fetch(`${base}/api/sessions`),
      fetch(`${base}/api/broadcasts/%FF`),
      fetch(`${base}/no-such-page`),
      fetch(`${base}/metrics`),
      fetch(`${base}/socket.io/?EIO=4&transport=polling`),
    ]);
    for (const res of answers) {
      for (const h of EXPECTED) expect(res.headers.get(h), `${h} on ${res.url} (${res.status})`).toBeTruthy();
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("content-security-policy")).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      // Plain HTTP here: no HSTS.
      expect(res.headers.get("strict-transport-security")).toBeNull();
    }
  });

  it("add HSTS when served over HTTPS (a trusted proxy says so), and a fresh nonce each time", async () => {
    const a = await fetch(`${base}/admin/sign-in`, { headers: { "x-forwarded-proto": "https" } });
    expect(a.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    const b = await fetch(`${base}/admin/sign-in`);
    const nonce = (r: Response) => /'nonce-([^']+)'/.exec(r.headers.get("content-security-policy")!)![1];
    expect(nonce(a)).not.toBe(nonce(b));
    // Next put this response's nonce on its scripts.
    expect(await b.text()).toContain(`nonce="${nonce(b)}"`);
  });
});
