// Admin authentication on the real server (after `next build`) and a real redis-server: the
// next-auth credentials sign-in, both auth paths of the route handlers (sign-in cookie and
// bearer token), the Origin rule for cookie-authenticated writes, the sign-in rate limits,
// and the /admin Socket.IO namespace.
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdmin } from "../../lib/auth/admins";
import { MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_EMAIL } from "../../lib/auth/rate-limit";
import { createApiToken, defaultKeys as keys, signInAdmin } from "../helpers/herald";
import { startTestRedis, type TestRedis } from "../helpers/redis";
import { startTestServer, TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD, type TestServer } from "../helpers/server";

let t: TestRedis;
let server: TestServer;
let token: string;
let base: string;

beforeAll(async () => {
  t = await startTestRedis();
  server = await startTestServer({ redisUrl: t.url });
  base = server.baseUrl;
  token = await createApiToken(t.redis, "admin-auth-tests");
  await t.redis.set(keys.sessionData("s1"), "{}");
});
afterAll(async () => {
  await server?.stop();
  await t?.stop();
});

/** Sign in on this file's server (see signInAdmin). */
const signIn = (email: string, password: string, headers: Record<string, string> = {}) =>
  signInAdmin(base, email, password, headers);

let adminCookie: string;

describe("sign-in", () => {
  it("signs in with the right password and sets a session cookie", async () => {
    const c = await signIn(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD);
    expect(c).toMatch(/^next-auth\.session-token=/);
    adminCookie = c!;
    const session = await fetch(`${base}/api/auth/session`, { headers: { cookie: adminCookie } });
    expect(await session.json()).toMatchObject({ user: { email: TEST_ADMIN_EMAIL } });
  });

  it("refuses a wrong password and an unknown email alike", async () => {
    expect(await signIn(TEST_ADMIN_EMAIL, "wrong-password")).toBeNull();
    expect(await signIn("nobody@example.com", TEST_ADMIN_PASSWORD)).toBeNull();
  });

  it("sends a visitor without a sign-in from /admin to the sign-in page", async () => {
    const res = await fetch(`${base}/admin/broadcasts`, { redirect: "manual" });
    expect([302, 307]).toContain(res.status);
    expect(res.headers.get("location")).toContain("/admin/sign-in?callbackUrl=%2Fadmin%2Fbroadcasts");
    const page = await fetch(`${base}/admin/broadcasts`, {
      headers: { cookie: adminCookie },
      redirect: "manual",
    });
    expect(page.status).toBe(200);
    const signInPage = await fetch(`${base}/admin/sign-in`, { redirect: "manual" });
    expect(signInPage.status).toBe(200);
  });
});

describe("route handlers accept either auth path", () => {
  it("answers 401 without credentials, and with a bad token or a forged cookie", async () => {
    const none = await fetch(`${base}/api/sessions`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    const badToken = await fetch(`${base}/api/sessions`, { headers: { authorization: "Bearer hrld_nope" } });
    expect(badToken.status).toBe(401);
    const forged = await fetch(`${base}/api/sessions`, {
      headers: { cookie: "next-auth.session-token=forged.jwt.value" },
    });
    expect(forged.status).toBe(401);
    const post = await fetch(`${base}/api/broadcasts`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: JSON.stringify({ message: "no auth" }),
    });
    expect(post.status).toBe(401);
  });

  it("accepts a bearer token (no Origin needed) and the sign-in cookie", async () => {
    const byToken = await fetch(`${base}/api/sessions`, { headers: { authorization: `Bearer ${token}` } });
    expect(byToken.status).toBe(200);
    const byCookie = await fetch(`${base}/api/sessions`, { headers: { cookie: adminCookie } });
    expect(byCookie.status).toBe(200);
    expect(((await byCookie.json()) as { sessions: { id: string }[] }).sessions.map((s) => s.id)).toContain(
      "s1",
    );
    const post = await fetch(`${base}/api/broadcasts/preview`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(post.status).toBe(200);
  });

  it("refuses a cookie-authenticated POST with a foreign or missing Origin (403), changing nothing", async () => {
    const send = (headers: Record<string, string>) =>
      fetch(`${base}/api/broadcasts`, {
        method: "POST",
        headers: { cookie: adminCookie, "content-type": "application/json", ...headers },
        body: JSON.stringify({ message: "cross-site attempt" }),
      });
    const foreign = await send({ origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    expect((await send({})).status).toBe(403);
    expect((await send({ origin: "null" })).status).toBe(403);
    expect(await t.redis.zcard(keys.broadcastIndex())).toBe(0);
    expect(await t.redis.exists(keys.sessionMessages("s1"))).toBe(0);
  });

  it("accepts a cookie-authenticated POST from Herald's own origin and records the admin as author", async () => {
    const res = await fetch(`${base}/api/broadcasts?wait=60`, {
      method: "POST",
      headers: { cookie: adminCookie, "content-type": "application/json", origin: base },
      body: JSON.stringify({ message: "from the console", title: "Hello" }),
    });
    expect(res.status).toBe(200);
    const summary = (await res.json()) as { id: string; stored: number };
    expect(summary.stored).toBe(1);
    const b = await fetch(`${base}/api/broadcasts/${summary.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await b.json()) as { author: string }).author).toBe(TEST_ADMIN_EMAIL);

    const csv = await fetch(`${base}/api/broadcasts/${summary.id}/deliveries.csv`, {
      headers: { cookie: adminCookie },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("session_id,status,list_created,reason,recorded_at,delivered_at,seen_at");
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^s1,stored,true,,\d{4}-/)]);
    expect((await fetch(`${base}/api/broadcasts/${summary.id}/deliveries.csv`)).status).toBe(401);
    expect(
      (await fetch(`${base}/api/broadcasts/nope/deliveries.csv`, { headers: { cookie: adminCookie } }))
        .status,
    ).toBe(404);
  });

  it("stops honouring the cookie of an admin removed from Redis", async () => {
    await createAdmin(t.redis, keys, "temp@example.com", "temp-password-1");
    const cookie = await signIn("temp@example.com", "temp-password-1");
    expect(cookie).not.toBeNull();
    expect((await fetch(`${base}/api/sessions`, { headers: { cookie: cookie! } })).status).toBe(200);
    await t.redis.hdel(keys.admins(), "temp@example.com");
    expect((await fetch(`${base}/api/sessions`, { headers: { cookie: cookie! } })).status).toBe(401);
  });
});

describe("the /admin Socket.IO namespace", () => {
  function connect(cookie?: string): Promise<{ socket: Socket; error?: string }> {
    const socket = io(`${base}/admin`, {
      transports: ["websocket"],
      reconnection: false,
      extraHeaders: cookie ? { cookie } : {},
      timeout: 5000,
    });
    return new Promise((resolve) => {
      socket.once("connect", () => resolve({ socket }));
      socket.once("connect_error", (err) => resolve({ socket, error: err.message }));
    });
  }

  it("refuses connections without a valid admin sign-in", async () => {
    const anon = await connect();
    expect(anon.error).toBe("unauthorized");
    anon.socket.close();
    const forged = await connect("next-auth.session-token=forged");
    expect(forged.error).toBe("unauthorized");
    forged.socket.close();
  });

  it("accepts a signed-in admin and lets it watch a broadcast", async () => {
    const { socket, error } = await connect(adminCookie);
    expect(error).toBeUndefined();
    const ack = await socket.timeout(5000).emitWithAck("watch", { broadcastId: "some-id" });
    expect(ack).toEqual({ data: true });
    const bad = await socket.timeout(5000).emitWithAck("watch", { broadcastId: 42 });
    expect(bad).toEqual({ error: "invalid broadcast id" });
    socket.close();
  });
});

// Last: these use up the sign-in allowance of the test address.
describe("sign-in rate limits", () => {
  it("blocks an email after repeated failures, even with the right password", async () => {
    const email = "limited@example.com";
    await createAdmin(t.redis, keys, email, "limited-password-1");
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) expect(await signIn(email, `wrong-${i}`)).toBeNull();
    expect(await signIn(email, "limited-password-1")).toBeNull();
    // Other admins are not affected by one email's lock.
    expect(await signIn(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD)).not.toBeNull();
    // The lock ends with its window.
    const [lockKey] = (await t.redis.scan("0", "MATCH", "herald:ratelimit:signin-email:*", "COUNT", 1000))[1];
    expect(lockKey).toBeDefined();
    expect(await t.redis.ttl(lockKey!)).toBeGreaterThan(0);
  });

  it("blocks an address after repeated failures across emails", async () => {
    for (let i = 0; i < MAX_FAILURES_PER_ADDRESS; i++) {
      expect(await signIn(`someone${i}@example.com`, "wrong-password")).toBeNull();
    }
    // The right password from this address is now refused too, with the same answer.
    expect(await signIn(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD)).toBeNull();
  });
});
