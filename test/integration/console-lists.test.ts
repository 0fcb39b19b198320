// The console's lists against a real redis-server and the real server: a page holds exactly
// `limit` rows (GET /api/sessions used to return 2 for limit=1, 137 for 100), and a delivery
// filter lists what its counter counts (Delivered includes the records since seen).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listDeliveries, markDeliveries, sendBroadcast } from "../../lib/broadcasts";
import type { Deps } from "../../lib/context";
import { BroadcastInputSchema, DELIVERY_STATUSES, type DeliveryStatus } from "../../lib/schemas/broadcast";
import type { SessionFilter } from "../../lib/schemas/session";
import { markOnline } from "../../lib/sessions/presence";
import { listSessions } from "../../lib/sessions/query";
import { apiClient, createApiToken, defaultKeys as keys, seedSession, testDeps } from "../helpers/herald";
import { startTestRedis, type TestRedis } from "../helpers/redis";
import { startTestServer, type TestServer } from "../helpers/server";

let t: TestRedis;
let deps: Deps;
let server: TestServer;
let api: ReturnType<typeof apiClient>;

// 137 sessions in the three shapes the chat app leaves: data key only (empty), list only, both.
const EMPTY = Array.from({ length: 61 }, (_, i) => `empty-${i}`);
const LIST_ONLY = Array.from({ length: 40 }, (_, i) => `list-${i}`);
const BOTH = Array.from({ length: 36 }, (_, i) => `both-${i}`);
const ALL = [...EMPTY, ...LIST_ONLY, ...BOTH];
const ONLINE = [...EMPTY.slice(0, 7), ...BOTH.slice(0, 6)];

beforeAll(async () => {
  t = await startTestRedis();
  deps = testDeps(t.redis, t.url);
  for (const id of EMPTY) await seedSession(t.redis, id, "data");
  for (const id of LIST_ONLY) await seedSession(t.redis, id, "list");
  for (const id of BOTH) await seedSession(t.redis, id, "both");
  // Far in the future: they stay online for the whole file.
  await markOnline(t.redis, keys, ONLINE, Date.now() + 3_600_000);
  server = await startTestServer({ redisUrl: t.url, env: { HERALD_SCAN_COUNT: "10" } });
  api = apiClient(server.baseUrl, await createApiToken(t.redis, "console-lists"));
});
afterAll(async () => {
  await server?.stop();
  await t?.stop();
});

/** Walk a list to its end; every page but the last must hold exactly `limit` rows. */
async function walk<T>(
  limit: number,
  page: (cursor: string) => Promise<{ rows: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = "0";
  for (let pages = 0; cursor !== null; pages++) {
    expect(pages).toBeLessThan(1000);
    const p = await page(cursor);
    if (p.nextCursor !== null) expect(p.rows).toHaveLength(limit);
    else expect(p.rows.length).toBeLessThanOrEqual(limit);
    out.push(...p.rows);
    cursor = p.nextCursor;
  }
  return out;
}

const expected: Record<SessionFilter, string[]> = {
  all: ALL,
  empty: EMPTY,
  nonempty: [...LIST_ONLY, ...BOTH],
  online: ONLINE,
};

describe("sessions: limit is honoured exactly", () => {
  for (const filter of ["all", "empty", "nonempty", "online"] as const) {
    for (const limit of [1, 10, 25, 100]) {
      it(`${filter}, limit ${limit}: full pages of ${limit}, every session once`, async () => {
        const ids = await walk(limit, async (cursor) => {
          const p = await listSessions({ ...deps, scanCount: 10 }, { filter, cursor, limit });
          return { rows: p.sessions.map((s) => s.id), nextCursor: p.nextCursor };
        });
        expect(new Set(ids).size).toBe(ids.length);
        expect([...ids].sort()).toEqual([...expected[filter]].sort());
      });
    }
  }

  it("a search is paged exactly too", async () => {
    for (const filter of ["all", "online"] as const) {
      const ids = await walk(3, async (cursor) => {
        const p = await listSessions({ ...deps, scanCount: 10 }, { filter, cursor, limit: 3, q: "both-" });
        return { rows: p.sessions.map((s) => s.id), nextCursor: p.nextCursor };
      });
      const want = expected[filter].filter((id) => id.startsWith("both-"));
      expect([...ids].sort()).toEqual([...want].sort());
    }
  });

  it("over HTTP: limit=1 answers one row, and its cursor continues the walk", async () => {
    const seen: string[] = [];
    let cursor = "0";
    for (let i = 0; i < 12; i++) {
      const res = await api.get(`/api/sessions?limit=1&cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(200);
      expect(res.json.sessions).toHaveLength(1);
      seen.push(res.json.sessions[0].id);
      cursor = res.json.nextCursor;
    }
    expect(new Set(seen).size).toBe(12);
    for (const limit of [10, 100]) {
      const res = await api.get(`/api/sessions?limit=${limit}`);
      expect(res.json.sessions).toHaveLength(limit);
    }
  });

  it("refuses a cursor Herald did not give out (400)", async () => {
    for (const bad of ["abc", "1.2.3.4", "0.0.!!", "12.0", "0.18446744073709551616"]) {
      const res = await api.get(`/api/sessions?cursor=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
    }
  });
});

describe("deliveries: a filter lists what its counter counts", () => {
  let id: string;
  const counts: Record<string, number> = {};

  beforeAll(async () => {
    const input = BroadcastInputSchema.parse({ message: "filters and counters", target: { type: "all" } });
    id = (await sendBroadcast(deps, input, "test")).id;
    // 20 delivered, 9 of those then seen (the record moves from the delivered set to the seen set).
    await markDeliveries(
      t.redis,
      keys,
      id,
      ALL.slice(0, 20).map((sessionId) => ({ sessionId, to: "delivered" as const })),
    );
    await markDeliveries(
      t.redis,
      keys,
      id,
      ALL.slice(0, 9).map((sessionId) => ({ sessionId, to: "seen" as const })),
    );
    const res = await api.get(`/api/broadcasts/${id}`);
    Object.assign(counts, res.json);
    expect(counts).toMatchObject({ targeted: ALL.length, stored: ALL.length, delivered: 20, seen: 9 });
  });

  const counter: Record<DeliveryStatus, string> = {
    stored: "stored",
    duplicate: "duplicates",
    failed: "failed",
    delivered: "delivered",
    seen: "seen",
  };

  for (const status of DELIVERY_STATUSES) {
    it(`${status}: as many records as the ${counter[status]} counter, in exact pages`, async () => {
      const rows = await walk(7, async (cursor) => {
        const p = await listDeliveries(t.redis, keys, id, { status, cursor, limit: 7 });
        return { rows: p.deliveries, nextCursor: p.nextCursor };
      });
      expect(new Set(rows.map((r) => r.sessionId)).size).toBe(rows.length);
      expect(rows).toHaveLength(counts[counter[status]]!);
    });
  }

  it("over HTTP: Delivered lists the records since seen, each with its current status", async () => {
    const res = await api.get(`/api/broadcasts/${id}/deliveries?status=delivered&limit=100`);
    expect(res.status).toBe(200);
    const statuses = res.json.deliveries.map((d: { status: string }) => d.status);
    expect(statuses).toHaveLength(20);
    expect(statuses.filter((s: string) => s === "seen")).toHaveLength(9);
    expect(statuses.filter((s: string) => s === "delivered")).toHaveLength(11);
  });

  it("a cursor too large for SCAN, an offset or a stream id is a 400 on every list, never a 500", async () => {
    // 2^64 and beyond: past any SCAN cursor, offset or stream id part.
    for (const path of [
      "/api/sessions",
      "/api/broadcasts",
      `/api/broadcasts/${id}/deliveries`,
      "/api/audit",
    ]) {
      for (const cursor of ["99999999999999999999", "18446744073709551616"]) {
        const res = await api.get(`${path}?cursor=${cursor}`);
        expect(res.status, `${path} ${cursor}`).toBe(400);
        expect(res.json.error.code).toBe("invalid_input");
      }
    }
    // An offset past a safe integer, though a fine SCAN cursor.
    expect((await api.get("/api/broadcasts?cursor=9999999999999999")).status).toBe(400);
  });
});
