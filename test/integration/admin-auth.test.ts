// Admin authentication on the real server (after `next build`) and a real redis-server: the
// next-auth credentials sign-in, both auth paths of the route handlers (sign-in cookie and
// bearer token), the Origin rule for cookie-authenticated writes, the sign-in rate limits,
// and the /admin Socket.IO namespace.
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdmin } from "../../lib/auth/admins";
import { SIGN_IN_RULES } from "../../lib/auth/sign-in-limit";
import { createApiToken, defaultKeys as keys, waitFor } from "../helpers/herald";
import { startTestRedis, type TestRedis } from "../helpers/redis";
import { startTestServer, TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD, type TestServer } from "../helpers/server";

let t: TestRedis;
let server: TestServer;
let token: string;
let base: string;

beforeAll(async () => {
  t = await startTestRedis();
  // Behind a "proxy": the sign-in limit tests pick their client address with X-Forwarded-For.
  server = await startTestServer({ redisUrl: t.url, env: { HERALD_TRUST_PROXY: "1" } });
  base = server.baseUrl;
  token = await createApiToken(t.redis, "admin-auth-tests");
  await t.redis.set(keys.sessionData("s1"), "{}");
});
afterAll(async () => {
  await server?.stop();
  await t?.stop();
});

/** `name=value` pairs from a response's Set-Cookie headers (expired ones dropped). */
function cookiesFrom(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const eq = pair!.indexOf("=");
    const value = pair!.slice(eq + 1);
    if (value && !/max-age=0/i.test(c)) out[pair!.slice(0, eq).trim()] = value;
  }
  return out;
}
const cookieHeader = (c: Record<string, string>) =>
  Object.entries(c)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

/**
 * Sign in as next-auth's own form does: GET /api/auth/csrf (token + cookie), then POST the
 * credentials callback. Returns the session cookie header, or null when refused.
 */
async function signIn(
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<string | null> {
  return (await signInStatus(email, password, headers)).cookie;
}

async function signInStatus(
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; cookie: string | null; retryAfter: string | null }> {
  const csrfRes = await fetch(`${base}/api/auth/csrf`, { headers });
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = cookiesFrom(csrfRes);
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: {
      ...headers,
      "content-type": "application/x-www-form-urlencoded",
      cookie: cookieHeader(jar),
    },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  const session = Object.entries(cookiesFrom(res)).find(([k]) => k.endsWith("next-auth.session-token"));
  return {
    status: res.status,
    cookie: session ? `${session[0]}=${session[1]}` : null,
    retryAfter: res.headers.get("retry-after"),
  };
}

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

describe("admin sessions end on the server", () => {
  /** Sign out as next-auth's client does (POST /api/auth/signout with the CSRF token). */
  async function signOut(cookie: string): Promise<void> {
    const csrfRes = await fetch(`${base}/api/auth/csrf`, { headers: { cookie } });
    const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
    const jar = { ...cookiesFrom(csrfRes) };
    const res = await fetch(`${base}/api/auth/signout`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: `${cookie}; ${cookieHeader(jar)}`,
      },
      body: new URLSearchParams({ csrfToken, json: "true" }),
    });
    expect(res.status).toBeLessThan(400);
  }

  function connectAdmin(cookie: string): Promise<{ socket: Socket; error?: string }> {
    const socket = io(`${base}/admin`, {
      transports: ["websocket"],
      reconnection: false,
      extraHeaders: { cookie },
      timeout: 5000,
    });
    return new Promise((resolve) => {
      socket.once("connect", () => resolve({ socket }));
      socket.once("connect_error", (err) => resolve({ socket, error: err.message }));
    });
  }

  it("sign-out: the old cookie gets 401 on the API and its open socket is closed, new ones refused", async () => {
    await createAdmin(t.redis, keys, "leaver@example.com", "leaver-password-1");
    const cookie = (await signIn("leaver@example.com", "leaver-password-1"))!;
    expect((await fetch(`${base}/api/sessions`, { headers: { cookie } })).status).toBe(200);
    const open = await connectAdmin(cookie);
    expect(open.error).toBeUndefined();
    const closed = new Promise<string>((resolve) =>
      open.socket.once("disconnect", (reason) => resolve(reason)),
    );

    await signOut(cookie);

    expect((await fetch(`${base}/api/sessions`, { headers: { cookie } })).status).toBe(401);
    expect(await closed).toBe("io server disconnect");
    const again = await connectAdmin(cookie);
    expect(again.error).toBe("unauthorized");
    again.socket.close();
    // Another admin's sign-in is untouched.
    expect((await fetch(`${base}/api/sessions`, { headers: { cookie: adminCookie } })).status).toBe(200);
  });

  it("a password change ends the admin's other sign-ins and keeps the one that made it", async () => {
    await createAdmin(t.redis, keys, "changer@example.com", "changer-password-1");
    const laptop = (await signIn("changer@example.com", "changer-password-1"))!;
    const phone = (await signIn("changer@example.com", "changer-password-1"))!;
    const post = (cookie: string, body: unknown) =>
      fetch(`${base}/api/account/password`, {
        method: "POST",
        headers: { cookie, origin: base, "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    const wrong = await post(laptop, {
      currentPassword: "nope-nope-nope",
      newPassword: "changer-password-2",
    });
    expect(wrong.status).toBe(403);
    const short = await post(laptop, { currentPassword: "changer-password-1", newPassword: "short" });
    expect(short.status).toBe(400);
    expect((await fetch(`${base}/api/sessions`, { headers: { cookie: phone } })).status).toBe(200);

    const ok = await post(laptop, {
      currentPassword: "changer-password-1",
      newPassword: "changer-password-2",
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, endedSessions: 1 });
    expect((await fetch(`${base}/api/sessions`, { headers: { cookie: phone } })).status).toBe(401);
    expect((await fetch(`${base}/api/sessions`, { headers: { cookie: laptop } })).status).toBe(200);
    expect(await signIn("changer@example.com", "changer-password-1")).toBeNull();
    expect(await signIn("changer@example.com", "changer-password-2")).not.toBeNull();
  });

  it("removing an admin through the API ends their sign-ins; nobody removes themselves or the last admin", async () => {
    await createAdmin(t.redis, keys, "removed@example.com", "removed-password-1");
    const theirs = (await signIn("removed@example.com", "removed-password-1"))!;
    const del = (cookie: string, email: string) =>
      fetch(`${base}/api/admins/${encodeURIComponent(email)}`, {
        method: "DELETE",
        headers: { cookie, origin: base },
      });
    expect((await del(adminCookie, TEST_ADMIN_EMAIL)).status).toBe(409);
    expect((await del(adminCookie, "nobody@example.com")).status).toBe(404);
    // A token may not manage admins, whatever its scopes.
    const byToken = await fetch(`${base}/api/admins/removed%40example.com`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(byToken.status).toBe(403);

    expect((await del(adminCookie, "removed@example.com")).status).toBe(200);
    expect((await fetch(`${base}/api/sessions`, { headers: { cookie: theirs } })).status).toBe(401);
    const list = (await (await fetch(`${base}/api/admins`, { headers: { cookie: adminCookie } })).json()) as {
      admins: { email: string }[];
    };
    expect(list.admins.map((a) => a.email)).not.toContain("removed@example.com");
  });
});

describe("API tokens with scopes", () => {
  it("a token reaches only what its scopes allow, and its last use is recorded", async () => {
    const created = await fetch(`${base}/api/tokens`, {
      method: "POST",
      headers: { cookie: adminCookie, origin: base, "content-type": "application/json" },
      body: JSON.stringify({ name: "reader", scopes: ["broadcasts:read"] }),
    });
    expect(created.status).toBe(201);
    const { token: reader, info } = (await created.json()) as {
      token: string;
      info: { lastUsedAt?: string };
    };
    expect(info.lastUsedAt).toBeUndefined();
    const auth = { authorization: `Bearer ${reader}` };

    expect((await fetch(`${base}/api/broadcasts`, { headers: auth })).status).toBe(200);
    const send = await fetch(`${base}/api/broadcasts`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ message: "not allowed" }),
    });
    expect(send.status).toBe(403);
    expect(((await send.json()) as { error: { message: string } }).error.message).toMatch(/broadcasts:write/);
    expect((await fetch(`${base}/api/sessions`, { headers: auth })).status).toBe(403);
    expect((await fetch(`${base}/api/tokens`, { headers: auth })).status).toBe(403);

    const listed = (await (
      await fetch(`${base}/api/tokens`, { headers: { cookie: adminCookie } })
    ).json()) as {
      tokens: { name: string; scopes: string[]; lastUsedAt?: string }[];
    };
    const mine = listed.tokens.find((x) => x.name === "reader");
    expect(mine?.scopes).toEqual(["broadcasts:read"]);
    expect(mine?.lastUsedAt).toBeDefined();

    const bad = await fetch(`${base}/api/tokens`, {
      method: "POST",
      headers: { cookie: adminCookie, origin: base, "content-type": "application/json" },
      body: JSON.stringify({ name: "x", scopes: ["everything"] }),
    });
    expect(bad.status).toBe(400);

    const revoke = await fetch(`${base}/api/tokens/reader`, {
      method: "DELETE",
      headers: { cookie: adminCookie, origin: base },
    });
    expect(revoke.status).toBe(200);
    expect((await fetch(`${base}/api/broadcasts`, { headers: auth })).status).toBe(401);
  });

  it("a corrupt token record is skipped: other tokens and the list keep working", async () => {
    await t.redis.hset(keys.tokens(), "broken", "{not json");
    await t.redis.hset(keys.tokenHashes(), "0".repeat(64), "broken");
    expect(
      (await fetch(`${base}/api/broadcasts`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    const res = await fetch(`${base}/api/tokens`, { headers: { cookie: adminCookie } });
    expect(res.status).toBe(200);
    const { tokens } = (await res.json()) as { tokens: { name: string }[] };
    expect(tokens.map((x) => x.name)).not.toContain("broken");
  });
});

// Last: these use up sign-in allowances (each test from addresses of its own, through the
// trusted proxy's X-Forwarded-For).
describe("sign-in rate limits", () => {
  const from = (address: string) => ({ "x-forwarded-for": address });

  it("20 parallel wrong passwords: at most the limit reaches argon2, the rest get 429; the admin signs in from elsewhere", async () => {
    const attacker = from("203.0.113.7");
    const failedBefore = (server.logs().match(/admin sign-in failed/g) ?? []).length;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signInStatus(TEST_ADMIN_EMAIL, `wrong-${i}`, attacker)),
    );
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBe(20 - SIGN_IN_RULES.perAccount.burst);
    expect(results.filter((r) => r.status !== 429 && !r.cookie)).toHaveLength(SIGN_IN_RULES.perAccount.burst);
    for (const r of limited) expect(Number(r.retryAfter)).toBeGreaterThan(0);
    // Only the attempts let through had their password checked.
    const checked = () => (server.logs().match(/admin sign-in failed/g) ?? []).length - failedBefore;
    await waitFor(
      async () => (checked() >= SIGN_IN_RULES.perAccount.burst ? true : undefined),
      "the failed checks to be logged",
    );
    expect(checked()).toBe(SIGN_IN_RULES.perAccount.burst);

    // The right password from the attacker's address is limited too (answer 429, not checked)…
    expect((await signInStatus(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD, attacker)).status).toBe(429);
    // …but never from a clean address: the attacker cannot lock the admin out.
    expect(
      (await signInStatus(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD, from("198.51.100.20"))).cookie,
    ).toBeTruthy();
  });

  it("limits an address across emails, atomically, and answers 429 with Retry-After", async () => {
    const office = from("192.0.2.44");
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => signInStatus(`someone${i}@example.com`, "wrong-password", office)),
    );
    expect(results.filter((r) => r.status === 429)).toHaveLength(30 - SIGN_IN_RULES.perAddress.burst);
    const refused = await signInStatus(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD, office);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    // Another address is not affected.
    expect(
      (await signInStatus(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD, from("192.0.2.45"))).cookie,
    ).toBeTruthy();
  });

  it("gives a successful sign-in's attempt back, so an admin who signs in often is never limited", async () => {
    const desk = from("192.0.2.99");
    for (let i = 0; i < SIGN_IN_RULES.perAddress.burst + 5; i++) {
      expect((await signInStatus(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD, desk)).cookie).toBeTruthy();
    }
  });
});
