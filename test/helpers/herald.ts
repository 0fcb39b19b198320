import type { Redis } from "ioredis";
import pino from "pino";
import { createToken } from "../../lib/auth/tokens";
import { sendBroadcast } from "../../lib/broadcasts";
import { listDeliveries } from "../../lib/broadcasts/deliveries";
import { parseConfig } from "../../lib/config";
import type { Deps } from "../../lib/context";
import { clusterOf, type HeraldRedis } from "../../lib/redis/connection";
import { createKeys, type Keys } from "../../lib/redis/keys";
import { keyedPipeline } from "../../lib/redis/pipeline";
import { type BroadcastRequest, type DeliveryRecord, FINISHED_STATUSES } from "../../lib/schemas/broadcast";
import { SESSION_COOKIE } from "../../lib/sessions/visitor";

/** The default key layout, as the server and the CLI use it when no HERALD_* variable is set. */
export const defaultKeys: Keys = createKeys({ sessionPrefix: "session:", messagesSuffix: ":messages" });

/** Deps for calling lib/ directly against a test Redis; `env` overrides config (e.g. HERALD_SCAN_COUNT). */
export function testDeps(redis: HeraldRedis, url: string, env: Record<string, string> = {}): Deps {
  const config = parseConfig({ REDIS_URL: url, NODE_ENV: "test", LOG_LEVEL: "silent", ...env });
  return { redis, keys: defaultKeys, config, log: pino({ level: "silent" }) };
}

/** An API token stored the way `herald token create` stores it. */
export function createApiToken(redis: HeraldRedis, name = `test-${process.pid}`): Promise<string> {
  return createToken(redis, defaultKeys, name);
}

/** Every element of a session's message list, raw. */
export function rawMessages(redis: HeraldRedis, id: string): Promise<string[]> {
  return redis.lrange(defaultKeys.sessionMessages(id), 0, -1);
}

/** How many elements of a session's list belong to the given broadcast. */
export async function copiesOf(redis: HeraldRedis, sessionId: string, broadcastId: string): Promise<number> {
  const raws = await rawMessages(redis, sessionId);
  return raws.filter((r) => {
    try {
      return (JSON.parse(r) as { broadcastId?: string }).broadcastId === broadcastId;
    } catch {
      return false;
    }
  }).length;
}

export interface KeySnapshot {
  dbsize: number;
  /** hex(key name) -> "type|ttl?|hex(DUMP)" */
  keys: Map<string, string>;
}

/**
 * Every key with its type, whether it expires, and its serialized value (DUMP), walked with
 * SCAN as bytes: two snapshots are equal only when nothing was written in between.
 */
export async function snapshotKeys(redis: HeraldRedis): Promise<KeySnapshot> {
  const keys = new Map<string, string>();
  // On a cluster, every master's own keyspace (a SCAN sent to the Cluster client reaches one node).
  const nodes: Redis[] = clusterOf(redis)?.nodes("master") ?? [redis];
  let dbsize = 0;
  for (const node of nodes) {
    await snapshotNode(node, keys);
    dbsize += await node.dbsize();
  }
  return { dbsize, keys };
}

async function snapshotNode(node: Redis, keys: Map<string, string>): Promise<void> {
  let cursor = "0";
  do {
    const [next, found] = await node.scanBuffer(cursor, "COUNT", 1000);
    cursor = next.toString();
    if (found.length === 0) continue;
    const pipe = node.pipeline();
    for (const k of found) {
      pipe.type(k);
      pipe.pttl(k);
      pipe.dumpBuffer(k);
    }
    const replies = (await pipe.exec()) ?? [];
    found.forEach((k, i) => {
      const type = replies[i * 3]?.[1] as string;
      const pttl = Number(replies[i * 3 + 1]?.[1]);
      const dump = replies[i * 3 + 2]?.[1] as Buffer | null;
      keys.set(k.toString("hex"), `${type}|${pttl >= 0 ? "ttl" : pttl}|${dump?.toString("hex") ?? "none"}`);
    });
  } while (cursor !== "0");
}

/** Key names (decoded as latin1 so any byte survives) of a snapshot, sorted. */
export function keyNames(s: KeySnapshot): string[] {
  return [...s.keys.keys()].map((hex) => Buffer.from(hex, "hex").toString("latin1")).sort();
}

/** Names of keys that appeared, vanished or changed between two snapshots. */
export function diffSnapshots(
  a: KeySnapshot,
  b: KeySnapshot,
): { added: string[]; removed: string[]; changed: string[] } {
  const name = (hex: string) => Buffer.from(hex, "hex").toString("latin1");
  const added = [...b.keys.keys()].filter((k) => !a.keys.has(k)).map(name);
  const removed = [...a.keys.keys()].filter((k) => !b.keys.has(k)).map(name);
  const changed = [...a.keys.keys()]
    .filter((k) => b.keys.has(k) && a.keys.get(k) !== b.keys.get(k))
    .map(name);
  return { added, removed, changed };
}

/** A small JSON client for the test server: bearer token, JSON content type, no redirects followed. */
export function apiClient(baseUrl: string, token: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      redirect: "manual",
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    // biome-ignore lint/suspicious/noExplicitAny: test assertions reach into arbitrary JSON shapes
    return { status: res.status, headers: res.headers, text, json: json as any };
  };
  const get = (path: string, headers?: Record<string, string>) => call("GET", path, undefined, headers);
  return {
    get,
    post: (path: string, body: unknown, headers?: Record<string, string>) =>
      call("POST", path, body, headers),
    del: (path: string, headers?: Record<string, string>) => call("DELETE", path, undefined, headers),
    /** GET /api/broadcasts/:id until its status is a finished one (or `timeoutMs` passes). */
    waitFinished: (id: string, timeoutMs = 60_000) =>
      waitFor(
        async () => {
          const res = await get(`/api/broadcasts/${encodeURIComponent(id)}`);
          return res.status === 200 && FINISHED_STATUSES.includes(res.json.status) ? res.json : undefined;
        },
        `broadcast ${id} to finish`,
        timeoutMs,
        100,
      ),
  };
}

/** Seed one session shaped like the chat app's: data key only, list only, or both. */
export async function seedSession(
  redis: HeraldRedis,
  id: string,
  shape: "data" | "list" | "both",
  opts: { userMessages?: string[] } = {},
): Promise<void> {
  if (shape !== "list")
    await redis.set(defaultKeys.sessionData(id), JSON.stringify({ createdAt: "2026-01-01" }));
  if (shape !== "data") {
    const msgs = opts.userMessages ?? [
      JSON.stringify({
        id: `u-${id}`,
        type: "user",
        message: "hello",
        createdAt: "2026-01-01T00:00:00.000Z",
      }),
    ];
    await redis.rpush(defaultKeys.sessionMessages(id), ...msgs);
  }
}

/** Visit the chat page as a new end user: the answer sets the session cookie. */
export async function visitChatPage(
  baseUrl: string,
  headers: Record<string, string> = {},
): Promise<{ cookie: string; sessionId: string; setCookie: string }> {
  const res = await fetch(`${baseUrl}/`, { redirect: "manual", headers });
  if (res.status !== 200) throw new Error(`GET / answered ${res.status}`);
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!setCookie) throw new Error("GET / must issue the session cookie");
  const pair = setCookie.split(";")[0]!;
  return { cookie: pair, sessionId: pair.slice(SESSION_COOKIE.length + 1), setCookie };
}

/**
 * Seed `n` sessions `<prefix>0 … <prefix>n-1` fast (one Lua call per 20,000): every one has its
 * data key, every other one also a list with one user message. Returns their ids.
 */
export async function seedManySessions(redis: HeraldRedis, n: number, prefix = "s"): Promise<string[]> {
  // A script may only touch the keys it declares, on their own node: on a cluster, plain writes.
  if (clusterOf(redis)) return seedManySessionsOnCluster(redis, n, prefix);
  const lua = `
    for i = tonumber(ARGV[2]), tonumber(ARGV[3]) do
      local id = ARGV[1] .. i
      redis.call('SET', 'session:' .. id, '{}')
      if i % 2 == 0 then redis.call('RPUSH', 'session:' .. id .. ':messages', '{"type":"user","message":"hi"}') end
    end`;
  for (let from = 0; from < n; from += 20_000)
    await redis.eval(lua, 0, prefix, from, Math.min(n, from + 20_000) - 1);
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

async function seedManySessionsOnCluster(redis: HeraldRedis, n: number, prefix: string): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  for (let from = 0; from < n; from += 5000) {
    const pipe = keyedPipeline(redis);
    ids.slice(from, from + 5000).forEach((id, j) => {
      pipe.set(defaultKeys.sessionData(id), "{}");
      if ((from + j) % 2 === 0) pipe.rpush(defaultKeys.sessionMessages(id), '{"type":"user","message":"hi"}');
    });
    for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
  }
  return ids;
}

/**
 * Give each session a data key and a history of `length` user messages (pushed 1,000 at a time,
 * one pipeline per list, so on a cluster each pipeline stays on the list's node).
 */
export async function seedLongHistory(redis: HeraldRedis, ids: string[], length = 100_000): Promise<void> {
  const filler = Array.from({ length: 1000 }, (_, i) => `{"id":"u${i}","type":"user","message":"hi"}`);
  for (const id of ids) {
    await redis.set(defaultKeys.sessionData(id), "{}");
    const pipe = redis.pipeline();
    for (let n = 0; n < length; n += filler.length) pipe.rpush(defaultKeys.sessionMessages(id), ...filler);
    for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
  }
}

/** Copies of `payload` in each session's list, counted by Redis (LPOS COUNT 0) rather than read back. */
export function payloadCopies(redis: HeraldRedis, ids: string[], payload: string): Promise<number[]> {
  return Promise.all(
    ids.map(async (id) => (await redis.lpos(defaultKeys.sessionMessages(id), payload, "COUNT", 0)).length),
  );
}

/** Every delivery record of a broadcast, by session id (all pages of GET …/deliveries' query). */
export async function allDeliveries(redis: HeraldRedis, id: string): Promise<Map<string, DeliveryRecord>> {
  const out = new Map<string, DeliveryRecord>();
  let cursor = "0";
  do {
    const page = await listDeliveries(redis, defaultKeys, id, { cursor, limit: 1000 });
    for (const d of page.deliveries) out.set(d.sessionId, d);
    cursor = page.nextCursor ?? "0";
  } while (cursor !== "0");
  return out;
}

/** How many sessions hold each number of copies of a broadcast: {1: n} when every one has exactly one. */
export async function copyHistogram(
  redis: HeraldRedis,
  ids: string[],
  broadcastId: string,
): Promise<Record<number, number>> {
  const needle = `"broadcastId":${JSON.stringify(broadcastId)}`;
  const histogram: Record<number, number> = {};
  for (let i = 0; i < ids.length; i += 2000) {
    const pipe = keyedPipeline(redis);
    for (const id of ids.slice(i, i + 2000)) pipe.lrange(defaultKeys.sessionMessages(id), 0, -1);
    for (const [err, list] of (await pipe.exec()) ?? []) {
      if (err) throw err;
      const copies = (list as string[]).filter((m) => m.includes(needle)).length;
      histogram[copies] = (histogram[copies] ?? 0) + 1;
    }
  }
  return histogram;
}

/** `name=value` pairs from a response's Set-Cookie headers (expired ones dropped). */
export function cookiesFrom(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const eq = pair!.indexOf("=");
    const value = pair!.slice(eq + 1);
    if (value && !/max-age=0/i.test(c)) out[pair!.slice(0, eq).trim()] = value;
  }
  return out;
}

/**
 * Sign in as next-auth's own form does: GET /api/auth/csrf (token + cookie), then POST the
 * credentials callback. Returns the session cookie header, or null when refused.
 */
export async function signInAdmin(
  baseUrl: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<string | null> {
  return (await signInAdminStatus(baseUrl, email, password, headers)).cookie;
}

/** The same sign-in, with the answer's status and Retry-After (the sign-in limits' tests). */
export async function signInAdminStatus(
  baseUrl: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; cookie: string | null; retryAfter: string | null }> {
  const csrfRes = await fetch(`${baseUrl}/api/auth/csrf`, { headers });
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = cookieHeader(cookiesFrom(csrfRes));
  const res = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", cookie: jar },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  const session = Object.entries(cookiesFrom(res)).find(([k]) => k.endsWith("next-auth.session-token"));
  return {
    status: res.status,
    cookie: session ? `${session[0]}=${session[1]}` : null,
    retryAfter: res.headers.get("retry-after"),
  };
}

/** A Cookie header from `name=value` pairs. */
export const cookieHeader = (c: Record<string, string>) =>
  Object.entries(c)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

/**
 * Run a broadcast on its own connection whose `failAt`-th delivery-recording call fails: the
 * batch's sessions are written but not recorded, as when a process dies between the two steps.
 * Resolves once the run has stopped (it must stop with that injected crash).
 */
export async function sendWithCrash(
  redis: HeraldRedis,
  deps: (faulty: HeraldRedis) => Deps,
  req: BroadcastRequest,
  failAt: number,
  batchSize = 4,
): Promise<void> {
  const record = redis.heraldRecordDeliveries.bind(redis);
  let calls = 0;
  redis.heraldRecordDeliveries = (...args) =>
    ++calls === failAt ? Promise.reject(new Error("injected crash")) : record(...args);
  try {
    const err = await sendBroadcast(deps(redis), req, "test", {
      batchSize,
      concurrency: 1,
      estimate: false,
    }).catch((e: unknown) => e);
    if (!(err instanceof Error) || err.message !== "injected crash")
      throw new Error(`the run did not stop with the injected crash: ${String(err)}`);
  } finally {
    await redis.quit();
  }
}

/** Poll `check` until it returns a value other than undefined (or fail after `timeoutMs`). */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
  everyMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
