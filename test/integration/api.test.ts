// The HTTP API on the real server (after `next build`) and a real redis-server: validation,
// auth, size limits, 404s, response shapes, and that no rejected request changes Redis.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiClient,
  copiesOf,
  createApiToken,
  diffSnapshots,
  defaultKeys as keys,
  snapshotKeys,
} from "../helpers/herald";
import { startTestRedis, type TestRedis } from "../helpers/redis";
import { startTestServer, type TestServer } from "../helpers/server";

let t: TestRedis;
let server: TestServer;
let token: string;
let api: ReturnType<typeof apiClient>;

const EMPTY = 150;
const NONEMPTY = 150;

beforeAll(async () => {
  t = await startTestRedis();
  // A small SCAN count so that 300 sessions span many pages and pagination is exercised.
  server = await startTestServer({ redisUrl: t.url, env: { HERALD_SCAN_COUNT: "10" } });
  token = await createApiToken(t.redis, "api-tests");
  api = apiClient(server.baseUrl, token);
  const pipe = t.redis.pipeline();
  for (let i = 0; i < EMPTY; i++) pipe.set(keys.sessionData(`e${i}`), "{}");
  for (let i = 0; i < NONEMPTY; i++) {
    if (i % 2 === 0) pipe.set(keys.sessionData(`n${i}`), "{}");
    pipe.rpush(
      keys.sessionMessages(`n${i}`),
      JSON.stringify({ id: `u${i}`, type: "user", message: "hi", createdAt: "x" }),
    );
  }
  await pipe.exec();
});
afterAll(async () => {
  await server?.stop();
  await t?.stop();
});

/** Run a request that must be refused, and check Redis is byte-for-byte as before. */
async function unchanged<T>(fn: () => Promise<T>): Promise<T> {
  const before = await snapshotKeys(t.redis);
  const result = await fn();
  const after = await snapshotKeys(t.redis);
  expect(after.dbsize).toBe(before.dbsize);
  expect(diffSnapshots(before, after)).toEqual({ added: [], removed: [], changed: [] });
  return result;
}

/** A raw request with a chunked body (no content-length), via node:http. */
function postChunked(
  path: string,
  chunks: string[],
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${server.baseUrl}${path}`,
      { method: "POST", headers: { ...headers, "transfer-encoding": "chunked" } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    // The server may answer 413 and close before the whole body is sent.
    req.on("error", (err) =>
      err.message.includes("EPIPE") || err.message.includes("ECONNRESET") ? undefined : reject(err),
    );
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe("sessions (before any broadcast)", () => {
  async function walk(filter: string, limit: number) {
    const seen: string[] = [];
    let cursor = "0";
    let pages = 0;
    do {
      const res = await api.get(`/api/sessions?filter=${filter}&limit=${limit}&cursor=${cursor}`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.json).sort()).toEqual(["nextCursor", "sessions"]);
      for (const s of res.json.sessions) {
        expect(Object.keys(s).sort()).toEqual(["empty", "id", "messageCount", "online", "ttlSeconds"]);
        seen.push(s.id);
        if (filter === "empty") expect(s).toMatchObject({ empty: true, messageCount: 0 });
        if (filter === "nonempty") expect(s).toMatchObject({ empty: false, messageCount: 1 });
      }
      cursor = res.json.nextCursor ?? "0";
      pages++;
    } while (cursor !== "0" && pages < 1000);
    return { seen, pages };
  }

  it("lists empty sessions, page by page, each once", async () => {
    const { seen, pages } = await walk("empty", 20);
    expect(pages).toBeGreaterThan(3);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(Array.from({ length: EMPTY }, (_, i) => `e${i}`).sort());
  });

  it("lists non-empty sessions (with or without a data key), each once", async () => {
    const { seen } = await walk("nonempty", 25);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(Array.from({ length: NONEMPTY }, (_, i) => `n${i}`).sort());
  });

  it("lists all sessions", async () => {
    const { seen } = await walk("all", 1000);
    expect(seen).toHaveLength(EMPTY + NONEMPTY);
  });

  it("previews a broadcast without writing anything", async () => {
    const res = await unchanged(() => api.post("/api/broadcasts/preview", {}));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ total: 300, empty: EMPTY, withMessages: NONEMPTY, online: 0 });
    expect(res.json.sample.length).toBeGreaterThan(0);
    const named = await api.post("/api/broadcasts/preview", {
      target: { type: "sessions", ids: ["e1", "n1", "ghost"] },
    });
    expect(named.json).toMatchObject({ total: 2, empty: 1, withMessages: 1 });
  });

  it("previews a repeated id once, as the broadcast would count it", async () => {
    const res = await api.post("/api/broadcasts/preview", {
      target: { type: "sessions", ids: ["e1", "e1", "n1", "n1"] },
    });
    expect(res.json).toMatchObject({ total: 2, empty: 1, withMessages: 1 });
    expect(res.json.sample.map((s: { id: string }) => s.id)).toEqual(["e1", "n1"]);
  });

  it("previews 10,000 named ids (the limit)", async () => {
    // Three-character ids: 10,000 longer ones would not fit in the 64 KiB body limit.
    const ids = Array.from({ length: 10_000 }, (_, i) => i.toString(36).padStart(3, "0"));
    const res = await api.post("/api/broadcasts/preview", { target: { type: "sessions", ids } });
    expect(res.status).toBe(200);
    expect(res.json.total).toBe(0);
  });

  it("refuses bad query parameters with 400", async () => {
    for (const q of ["filter=bogus", "limit=0", "limit=1001", "cursor=abc", "limit=ten"]) {
      const res = await api.get(`/api/sessions?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.json.error.code).toBe("invalid_input");
      expect(res.json.error.issues.length).toBeGreaterThan(0);
    }
    // A cursor too large for SCAN or an offset: 400, not a 500 from Redis or the index.
    for (const path of ["/api/sessions", "/api/broadcasts", "/api/broadcasts/x/deliveries"]) {
      const res = await api.get(`${path}?cursor=99999999999999999999`);
      expect(res.status, path).toBe(400);
    }
  });
});

describe("POST /api/broadcasts validation", () => {
  const cases: [string, unknown, string][] = [
    ["empty message", { message: "" }, "message"],
    ["blank message", { message: "   " }, "message"],
    ["missing message", {}, "message"],
    ["4001-character message", { message: "x".repeat(4001) }, "message"],
    ["201-character title", { message: "m", title: "t".repeat(201) }, "title"],
    ["bad level", { message: "m", level: "critical" }, "level"],
    ["bad target type", { message: "m", target: { type: "everyone" } }, "target"],
    ["target as a string", { message: "m", target: "all" }, "target"],
    ["sessions target without ids", { message: "m", target: { type: "sessions", ids: [] } }, "target.ids"],
    [
      "ids with ':'",
      { message: "m", target: { type: "sessions", ids: ["ok", "e1:messages"] } },
      "target.ids.1",
    ],
    [
      "10,001 ids",
      { message: "m", target: { type: "sessions", ids: Array(10_001).fill("e1") } },
      "target.ids",
    ],
    ["unknown field", { message: "m", sessions: ["e1"] }, ""],
    ["bad id", { message: "m", id: "has space" }, "id"],
    ["array body", [], ""],
    ["null body", null, ""],
  ];

  for (const [name, body, path] of cases) {
    it(`400 with issues for ${name}, nothing stored`, async () => {
      const res = await unchanged(() => api.post("/api/broadcasts", body));
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("invalid_input");
      const paths = (res.json.error.issues as { path: (string | number)[] }[]).map((i) => i.path.join("."));
      expect(paths.some((p) => p === path || p.startsWith(`${path}.`))).toBe(true);
    });
  }

  it("400 for a body that is not JSON", async () => {
    const res = await unchanged(() => api.post("/api/broadcasts", '{"message": "unterminated'));
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "invalid_input", message: expect.any(String) });
  });

  it("400 on the preview for a bad target", async () => {
    const res = await unchanged(() =>
      api.post("/api/broadcasts/preview", { target: { type: "sessions", ids: ["a:b"] } }),
    );
    expect(res.status).toBe(400);
    expect(res.json.error.issues[0].path).toEqual(["target", "ids", 0]);
  });

  it("415 for a body that is not declared as JSON", async () => {
    const res = await unchanged(() =>
      api.post("/api/broadcasts", JSON.stringify({ message: "m" }), { "content-type": "text/plain" }),
    );
    expect(res.status).toBe(415);
    expect(res.json.error.code).toBe("unsupported_media_type");
    const form = await unchanged(() =>
      api.post("/api/broadcasts", "message=m", { "content-type": "application/x-www-form-urlencoded" }),
    );
    expect(form.status).toBe(415);
  });
});

describe("authentication", () => {
  const bodies = { message: "should not be sent" };

  it("401 without a token, nothing stored", async () => {
    const res = await unchanged(() =>
      fetch(`${server.baseUrl}/api/broadcasts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(bodies),
      }),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });

  const badHeaders = [
    ["a wrong token", `Bearer hrld_${"A".repeat(43)}`],
    ["a token without Herald's prefix", "Bearer abcdef"],
    ["Basic auth", `Basic ${Buffer.from("admin:pw").toString("base64")}`],
    ["Bearer without a token", "Bearer"],
    ["two tokens", `Bearer ${"x"} ${"y"}`],
    ["the token without the scheme", "TOKEN"],
    ["an empty header", ""],
  ] as const;

  for (const [name, header] of badHeaders) {
    it(`401 with ${name}, nothing stored`, async () => {
      const res = await unchanged(() =>
        fetch(`${server.baseUrl}/api/broadcasts`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: header },
          body: JSON.stringify(bodies),
        }),
      );
      expect(res.status).toBe(401);
    });
  }

  it("401 with the right token in a malformed header (no space)", async () => {
    const res = await unchanged(() =>
      fetch(`${server.baseUrl}/api/broadcasts`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer:${token}` },
        body: JSON.stringify(bodies),
      }),
    );
    expect(res.status).toBe(401);
  });

  it("401 on every protected GET and the preview", async () => {
    for (const path of [
      "/api/broadcasts",
      "/api/broadcasts/x",
      "/api/broadcasts/x/deliveries",
      "/api/sessions",
      "/api/sessions/e1/messages",
    ]) {
      const res = await fetch(`${server.baseUrl}${path}`);
      expect(res.status, path).toBe(401);
    }
    const res = await fetch(`${server.baseUrl}/api/broadcasts/preview`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(401);
  });

  it("a revoked token stops working", async () => {
    const { revokeToken } = await import("../../lib/auth/tokens");
    const other = await createApiToken(t.redis, "to-revoke");
    expect((await apiClient(server.baseUrl, other).get("/api/broadcasts")).status).toBe(200);
    await revokeToken(t.redis, keys, "to-revoke");
    expect((await apiClient(server.baseUrl, other).get("/api/broadcasts")).status).toBe(401);
  });
});

describe("body size", () => {
  const huge = JSON.stringify({ message: "x".repeat(70 * 1024) });

  it("413 for a body over 64 KiB with a content-length", async () => {
    const res = await unchanged(() => api.post("/api/broadcasts", huge));
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe("payload_too_large");
  });

  it("413 for a chunked body over 64 KiB (no content-length)", async () => {
    const chunks = Array.from(
      { length: 14 },
      (_, i) => (i === 0 ? '{"message":"' : "") + "y".repeat(5 * 1024),
    );
    const res = await unchanged(() =>
      postChunked("/api/broadcasts", chunks, {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
      }),
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("payload_too_large");
  });

  it("413 on the legacy endpoint and the preview too", async () => {
    const legacy = await unchanged(() => api.post("/chat/api/broadcast/", huge));
    expect(legacy.status).toBe(413);
    const preview = await unchanged(() =>
      postChunked(
        "/api/broadcasts/preview",
        ['{"target":{"type":"sessions","ids":[', `"a",`.repeat(20_000), '"a"]}}'],
        {
          "content-type": "application/json",
          authorization: `Bearer ${token}`,
        },
      ),
    );
    expect(preview.status).toBe(413);
  });

  it("accepts a chunked body under the limit", async () => {
    const res = await postChunked("/api/broadcasts/preview", ['{"target":', '{"type":"all"}}'], {
      "content-type": "application/json",
      authorization: `Bearer ${token}`,
    });
    expect(res.status).toBe(200);
  });
});

describe("unknown ids", () => {
  const odd = [
    "does-not-exist",
    "%2F..",
    "..%2F..%2Fetc%2Fpasswd",
    "%252F",
    "a".repeat(4000),
    "%E2%9C%93%F0%9F%98%80",
    "%C3%BCn%C3%AFc%C3%B6d%C3%A9",
    "a%3Ab",
    "%00",
    "%FF",
    "herald%3Abc%3A%7Bx%7D",
    "*",
  ];

  for (const id of odd) {
    it(`404 for broadcast ${id.slice(0, 40)}`, async () => {
      for (const suffix of ["", "/deliveries"]) {
        const res = await unchanged(() => api.get(`/api/broadcasts/${id}${suffix}`));
        expect(res.status, `${id}${suffix}`).toBe(404);
        expect(res.json?.error?.code, `${id}${suffix}: ${res.text.slice(0, 200)}`).toBe("not_found");
      }
    });

    it(`404 for session ${id.slice(0, 40)}`, async () => {
      const res = await unchanged(() => api.get(`/api/sessions/${id}/messages`));
      expect(res.status, id).toBe(404);
      expect(res.json?.error?.code, `${id}: ${res.text.slice(0, 200)}`).toBe("not_found");
    });
  }
});

describe("broadcast, history and deliveries", () => {
  let first: string;
  let second: string;

  it("sends a broadcast to every session (empty ones included)", async () => {
    await t.redis.set(keys.sessionData("broken"), "{}");
    await t.redis.hset(keys.sessionMessages("broken"), "x", "y");
    const res = await api.post("/api/broadcasts?wait=60", {
      message: "Hello all",
      title: "Hi",
      level: "success",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("location")).toBe(`/api/broadcasts/${res.json.id}`);
    expect(Object.keys(res.json).sort()).toEqual([
      "created",
      "duplicates",
      "failed",
      "id",
      "status",
      "stored",
      "targeted",
    ]);
    expect(res.json).toMatchObject({
      status: "partial",
      targeted: 301,
      stored: 300,
      created: EMPTY,
      duplicates: 0,
      failed: 1,
    });
    first = res.json.id;
    expect(await copiesOf(t.redis, "e0", first)).toBe(1);
    expect(await copiesOf(t.redis, "n1", first)).toBe(1);

    // Without ?wait: 202 once the record and its job exist; the job runs it.
    const named = await api.post("/api/broadcasts", {
      message: "Just two",
      target: { type: "sessions", ids: ["e1", "n2"] },
    });
    expect(named.status).toBe(202);
    expect(Object.keys(named.json).sort()).toEqual(["id", "status"]);
    expect(named.json.status).toBe("queued");
    expect(named.headers.get("location")).toBe(`/api/broadcasts/${named.json.id}`);
    expect(await api.waitFinished(named.json.id)).toMatchObject({
      status: "completed",
      targeted: 2,
      stored: 2,
    });
    second = named.json.id;
  });

  it("409 when a broadcast id is reused for another message, nothing stored", async () => {
    const ok = await api.post("/api/broadcasts?wait=60", {
      message: "first text",
      id: "reused",
      target: { type: "sessions", ids: ["e2"] },
    });
    expect(ok.status).toBe(200);
    const res = await unchanged(() =>
      api.post("/api/broadcasts", {
        message: "other text",
        id: "reused",
        target: { type: "sessions", ids: ["e2"] },
      }),
    );
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("conflict");
  });

  it("409 when a broadcast id is reused for another target, title or level, nothing stored", async () => {
    const body = { message: "same text", id: "reused-2", target: { type: "sessions", ids: ["e2"] } };
    expect((await api.post("/api/broadcasts?wait=60", body)).status).toBe(200);
    for (const other of [
      { ...body, target: { type: "sessions", ids: ["e3"] } },
      { ...body, target: { type: "all" } },
      { ...body, title: "Another title" },
      { ...body, level: "error" },
    ]) {
      const res = await unchanged(() => api.post("/api/broadcasts", other));
      expect(res.status).toBe(409);
      expect(res.json.error.code).toBe("conflict");
    }
  });

  it("400 for a bad ?wait (over 120 s, not a number)", async () => {
    for (const wait of ["121", "soon", "-1"]) {
      const res = await unchanged(() => api.post(`/api/broadcasts?wait=${wait}`, { message: "m" }));
      expect(res.status).toBe(400);
    }
  });

  it("the same id sent twice at once is one broadcast, one job, one copy", async () => {
    const body = { message: "racing", id: "race-1", target: { type: "sessions", ids: ["e3", "n4"] } };
    const [a, b] = await Promise.all([api.post("/api/broadcasts", body), api.post("/api/broadcasts", body)]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.json.id).toBe("race-1");
    expect(await api.waitFinished("race-1")).toMatchObject({ status: "completed", targeted: 2, stored: 2 });
    expect(await copiesOf(t.redis, "e3", "race-1")).toBe(1);
    expect(await copiesOf(t.redis, "n4", "race-1")).toBe(1);
    // Sent again once finished: it runs again (nothing new to store) and the counts stay exact.
    const again = await api.post("/api/broadcasts?wait=60", body);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ status: "completed", targeted: 2, stored: 2, duplicates: 0 });
    expect(await copiesOf(t.redis, "e3", "race-1")).toBe(1);
  });

  it("/metrics counts the broadcasts run so far, by status, and their sessions", async () => {
    const res = await api.get("/metrics");
    expect(res.status).toBe(200);
    // The runs above: the partial one to every session, and the completed named ones (each re-send ran again).
    expect(res.text).toMatch(/^herald_broadcasts_total\{status="partial"\} 1$/m);
    expect(res.text).toMatch(/^herald_broadcasts_total\{status="completed"\} [1-9]\d*$/m);
    expect(res.text).toMatch(/^herald_broadcast_sessions_total\{outcome="failed"\} 1$/m);
    expect(res.text).toMatch(/^herald_fanout_duration_seconds_count [1-9]\d*$/m);
  });

  it("GET /api/broadcasts lists the history, newest first, paginated", async () => {
    const res = await api.get("/api/broadcasts");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ total: 5, nextCursor: null });
    const ids = res.json.broadcasts.map((b: { id: string }) => b.id);
    expect(ids).toEqual(["race-1", "reused-2", "reused", second, first]);
    for (const b of res.json.broadcasts) {
      expect(b).not.toHaveProperty("payload");
      expect(b).not.toHaveProperty("cursor");
      expect(b).not.toHaveProperty("cursorRunId");
    }
    const page1 = await api.get("/api/broadcasts?limit=4");
    expect(page1.json.broadcasts).toHaveLength(4);
    expect(page1.json.nextCursor).toBe("4");
    const page2 = await api.get(`/api/broadcasts?limit=4&cursor=${page1.json.nextCursor}`);
    expect(page2.json.broadcasts.map((b: { id: string }) => b.id)).toEqual([first]);
    expect(page2.json.nextCursor).toBeNull();
  });

  it("GET /api/broadcasts/:id shows one broadcast with counts and status", async () => {
    const res = await api.get(`/api/broadcasts/${first}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: first,
      status: "partial",
      title: "Hi",
      message: "Hello all",
      level: "success",
      target: { type: "all" },
      author: "token:api-tests",
      targeted: 301,
      stored: 300,
      created: EMPTY,
      duplicates: 0,
      failed: 1,
      delivered: 0,
      seen: 0,
      createdAt: expect.any(String),
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
    expect(res.json).not.toHaveProperty("payload");
    expect(res.json).not.toHaveProperty("cursor");
  });

  it("GET deliveries filters by status and paginates with the cursor", async () => {
    const failed = await api.get(`/api/broadcasts/${first}/deliveries?status=failed`);
    expect(failed.status).toBe(200);
    expect(failed.json).toEqual({
      deliveries: [
        {
          sessionId: "broken",
          status: "failed",
          reason: "messages key holds a hash, not a list",
          at: expect.any(String),
        },
      ],
      nextCursor: null,
    });

    for (const status of ["stored", undefined]) {
      const seen: string[] = [];
      let cursor = "0";
      let pages = 0;
      do {
        const res = await api.get(
          `/api/broadcasts/${first}/deliveries?limit=40&cursor=${cursor}${status ? `&status=${status}` : ""}`,
        );
        expect(res.status).toBe(200);
        for (const d of res.json.deliveries) {
          if (status) expect(d.status).toBe(status);
          seen.push(d.sessionId);
        }
        cursor = res.json.nextCursor ?? "0";
        pages++;
      } while (cursor !== "0" && pages < 100);
      expect(pages, String(status)).toBeGreaterThan(2);
      expect(new Set(seen).size).toBe(status ? 300 : 301);
    }

    const dup = await api.get(`/api/broadcasts/${first}/deliveries?status=duplicate`);
    expect(dup.json).toEqual({ deliveries: [], nextCursor: null });
    const bad = await api.get(`/api/broadcasts/${first}/deliveries?status=bogus`);
    expect(bad.status).toBe(400);
  });

  it("GET /api/sessions/:id/messages shows the history, oldest first, unknown elements raw", async () => {
    await t.redis.rpush(keys.sessionMessages("n3"), "plain legacy text", '{"legacy":true}');
    const res = await api.get("/api/sessions/n3/messages");
    expect(res.status).toBe(200);
    expect(res.json.id).toBe("n3");
    expect(res.json.messages).toEqual([
      { kind: "message", message: { id: "u3", type: "user", message: "hi", createdAt: "x" } },
      {
        kind: "message",
        message: expect.objectContaining({
          type: "broadcast",
          broadcastId: first,
          message: "Hello all",
          title: "Hi",
        }),
      },
      { kind: "raw", raw: "plain legacy text" },
      { kind: "raw", raw: '{"legacy":true}' },
    ]);
    const empty = await api.get("/api/sessions/e5/messages");
    expect(empty.json.messages).toHaveLength(1);
    const broken = await api.get("/api/sessions/broken/messages");
    expect(broken.status).toBe(200);
    expect(broken.json.messages).toEqual([]);
  });

  it("filters sessions after the broadcast: nothing is empty any more", async () => {
    const res = await api.get("/api/sessions?filter=empty&limit=1000");
    expect(res.json).toEqual({ sessions: [], nextCursor: null });
  });
});

describe("health", () => {
  it("200 while Redis answers", async () => {
    const res = await fetch(`${server.baseUrl}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", redis: "up" });
  });

  it("503 once Redis is gone, and API calls answer 503 too", async () => {
    await t.stop();
    const res = await fetch(`${server.baseUrl}/api/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "unavailable" });
    const list = await api.get("/api/broadcasts");
    expect(list.status).toBe(503);
    expect(list.json.error.code).toBe("redis_unavailable");
  });
});
