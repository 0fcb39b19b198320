// The preview of all sessions answers within a time budget: when the walk is not over it says
// so (`counting`), with estimates scaled by the share walked and a point to go on from; going
// on answer after answer ends on the exact counts, on one redis-server and on a cluster. A point
// from another Redis process starts the count over, and a forged one is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PreviewInputSchema } from "../../lib/schemas/broadcast";
import type { PreviewResult } from "../../lib/schemas/session";
import { markOnline } from "../../lib/sessions/presence";
import { previewTarget } from "../../lib/sessions/query";
import { BACKENDS, startTestBackend, type TestBackend } from "../helpers/backend";
import {
  apiClient,
  createApiToken,
  defaultKeys as keys,
  seedManySessions,
  seedSession,
} from "../helpers/herald";
import { startTestServer, type TestServer } from "../helpers/server";

// About 35,000 keys: a counting walk reads 5,000 per SCAN page, so a budget of 0 takes ~7 answers.
const SESSIONS = 24_000;
const LIST_ONLY = 300;
const ONLINE = ["s1", "s2", "s3"];
const EXACT = { total: SESSIONS + LIST_ONLY, withMessages: SESSIONS / 2 + LIST_ONLY };

/** Ask again with each answer's `resume` until the counts are exact; every answer in order. */
async function countToTheEnd(ask: (resume?: string) => Promise<PreviewResult>): Promise<PreviewResult[]> {
  const answers: PreviewResult[] = [];
  let resume: string | undefined;
  do {
    expect(answers.length).toBeLessThan(200);
    const a = await ask(resume);
    answers.push(a);
    resume = a.counting?.resume;
  } while (resume);
  return answers;
}

function expectExact(a: PreviewResult) {
  expect(a.counting).toBeUndefined();
  expect(a).toMatchObject({ ...EXACT, empty: EXACT.total - EXACT.withMessages, online: ONLINE.length });
}

describe.each(BACKENDS)("preview of all sessions on %s", (kind) => {
  let b: TestBackend;
  const deps = () => ({ redis: b.redis, keys, scanCount: 1000 });

  beforeAll(async () => {
    b = await startTestBackend(kind);
    await seedManySessions(b.redis, SESSIONS);
    for (let i = 0; i < LIST_ONLY; i++) await seedSession(b.redis, `list-only-${i}`, "list");
    await markOnline(b.redis, keys, ONLINE, Date.now() + 3_600_000);
  }, 120_000);
  afterAll(async () => {
    await b?.stop();
  });

  it("counts everything exactly without a budget", async () => {
    expectExact(await previewTarget(deps(), { type: "all" }));
  });

  it("answers page by page with a budget of 0: estimates, then the exact counts", async () => {
    const answers = await countToTheEnd((resume) =>
      previewTarget(
        deps(),
        { type: "all" },
        {
          budgetMs: 0,
          resume: resume ? PreviewInputSchema.parse({ resume }).resume : undefined,
        },
      ),
    );
    expect(answers.length).toBeGreaterThan(3);
    expectExact(answers.at(-1)!);
    let walked = 0;
    for (const a of answers.slice(0, -1)) {
      expect(a.counting!.walked).toBeGreaterThan(walked);
      expect(a.counting!.walked).toBeLessThan(1);
      walked = a.counting!.walked;
      // Scaled by the share walked: near the real figure from the first page on.
      expect(a.total).toBeGreaterThan(EXACT.total * 0.7);
      expect(a.total).toBeLessThan(EXACT.total * 1.3);
      expect(a.empty + a.withMessages).toBe(a.total);
      expect(a.online).toBe(ONLINE.length);
      expect(a.sample.length).toBeGreaterThan(0);
    }
  });

  it("starts over when the point came from another Redis process", async () => {
    const first = await previewTarget(deps(), { type: "all" }, { budgetMs: 0 });
    const point = PreviewInputSchema.parse({ resume: first.counting!.resume }).resume!;
    // The same cursor and counts, but another process: its cursor means nothing here.
    const stale = { ...point, runId: "0".repeat(point.runId.length), total: 999_999_999 };
    expectExact(await previewTarget(deps(), { type: "all" }, { resume: stale }));
  });

  it("a point no walk could have given (cursor 0, or past what SCAN takes) counts afresh", async () => {
    for (const cursor of ["0", (2n ** 80n).toString()]) {
      const point = { cursor, total: 999_999, withMessages: 5, runId: "ab" };
      expectExact(await previewTarget(deps(), { type: "all" }, { resume: point }));
    }
  });
});

describe("POST /api/broadcasts/preview with a time budget", () => {
  let b: TestBackend;
  let server: TestServer;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    b = await startTestBackend("redis");
    await seedManySessions(b.redis, SESSIONS);
    for (let i = 0; i < LIST_ONLY; i++) await seedSession(b.redis, `list-only-${i}`, "list");
    await markOnline(b.redis, keys, ONLINE, Date.now() + 3_600_000);
    server = await startTestServer({
      redisUrl: b.server.redisUrl,
      env: { ...b.server.env, HERALD_PREVIEW_BUDGET_MS: "0" },
    });
    api = apiClient(server.baseUrl, await createApiToken(b.redis, "preview-count"));
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await b?.stop();
  });

  it("goes on with `resume` to the exact counts", async () => {
    const answers = await countToTheEnd(async (resume) => {
      const res = await api.post("/api/broadcasts/preview", resume ? { resume } : {});
      expect(res.status).toBe(200);
      return res.json as PreviewResult;
    });
    expect(answers.length).toBeGreaterThan(3);
    expect(answers[0]!.counting!.resume).toMatch(/^\d+\.\d+\.\d+\.[0-9a-f]+$/);
    expectExact(answers.at(-1)!);
  });

  it("refuses a forged or misplaced `resume` with a 400, naming the field", async () => {
    for (const body of [
      { resume: "12.3" },
      { resume: "1.2.3.xyz" },
      { resume: `${"9".repeat(30)}.1.1.ab` },
      { target: { type: "online" }, resume: "1.2.3.ab" },
      { resume: 42 },
    ]) {
      const res = await api.post("/api/broadcasts/preview", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.issues.map((i: { path: string[] }) => i.path.join("."))).toContain("resume");
    }
  });
});
