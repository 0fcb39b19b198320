// The deliveries CSV export on the real server (after `next build`) and a real redis-server, for
// sessions whose ids a spreadsheet would run as formulas: the default form gives scripts every id
// exactly (parsed back with csv-parse); `?for=spreadsheet` (what the console downloads) leaves no
// cell, and no fragment another locale's separator would split off, that starts a formula.
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, createApiToken, seedSession } from "../helpers/herald";
import { startTestRedis, type TestRedis } from "../helpers/redis";
import { startTestServer, type TestServer } from "../helpers/server";

/** Legal session ids (no ':') that start or hide a formula, or stress quoting. */
const IDS = [
  "-Xk3_9aQ", // Herald's own visitor ids start with '-' 1 time in 64
  "=1+1",
  "+cmd|' /C calc'!A0",
  "@SUM(A1)",
  '=HYPERLINK("//evil.example","click")',
  "\t=1+1",
  'a;=HYPERLINK("//evil.example")',
  "a,=1+1",
  'quote"inside',
  "plain-id",
];
const TRIGGER = /^[=+\-@\t\r]/;

let t: TestRedis;
let server: TestServer;
let api: ReturnType<typeof apiClient>;
let broadcastId: string;

beforeAll(async () => {
  t = await startTestRedis();
  server = await startTestServer({ redisUrl: t.url });
  api = apiClient(server.baseUrl, await createApiToken(t.redis, "csv-tests"));
  for (const [i, id] of IDS.entries()) await seedSession(t.redis, id, i % 2 === 0 ? "data" : "both");
  const res = await api.post("/api/broadcasts?wait=60", { message: "export me" });
  expect(res.json).toMatchObject({ status: "completed", stored: IDS.length });
  broadcastId = res.json.id;
});
afterAll(async () => {
  await server?.stop();
  await t?.stop();
});

const rowsOf = (text: string) => parse(text) as string[][];

describe("GET /api/broadcasts/:id/deliveries.csv", () => {
  it("by default, every session id parses back exactly as stored", async () => {
    const res = await api.get(`/api/broadcasts/${broadcastId}/deliveries.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const [header, ...rows] = rowsOf(res.text);
    expect(header?.[0]).toBe("session_id");
    expect(rows.map((r) => r[0]).sort()).toEqual([...IDS].sort());
    for (const r of rows) expect(r[1]).toBe("stored");
  });

  it("?for=spreadsheet: no cell runs as a formula, split at ',', ';' or a tab", async () => {
    const res = await api.get(`/api/broadcasts/${broadcastId}/deliveries.csv?for=spreadsheet`);
    expect(res.status).toBe(200);
    const rows = rowsOf(res.text);
    expect(rows).toHaveLength(IDS.length + 1);
    for (const cell of rows.flat()) expect(cell).not.toMatch(TRIGGER);
    for (const sep of [",", ";", "\t"]) {
      const pieces = res.text.split(/\r\n/).flatMap((l) => l.split(sep).map((c) => c.replace(/^[\s"]+/, "")));
      for (const p of pieces) expect(p, `split at ${JSON.stringify(sep)}`).not.toMatch(TRIGGER);
    }
    // Defused ids are marked, not lost: the `'` goes in front of the id as it was.
    expect(rows.map((r) => r[0])).toContain("'-Xk3_9aQ");
    expect(rows.map((r) => r[0])).toContain("plain-id");
  });

  it("refuses an unknown form with 400", async () => {
    const res = await api.get(`/api/broadcasts/${broadcastId}/deliveries.csv?for=excel`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_input");
  });
});
