/**
 * `npm run bench -- --admin`: the admin's reads at scale. Seeds N sessions (default 1,000,000)
 * and one broadcast's records for all of them (a real fan-out, some receipts), then times the
 * lib functions the routes call, with the routes' defaults: the target preview
 * (POST /api/broadcasts/preview), sessions pages per filter (GET /api/sessions), report pages
 * per status filter and report search by session id (GET /api/broadcasts/:id/deliveries).
 * Each is timed `runs` times; the median is reported.
 */
import { getBroadcast, listDeliveries, markDeliveries, sendBroadcast } from "../../lib/broadcasts";
import type { Deps } from "../../lib/context";
import { closeRedis } from "../../lib/redis/connection";
import {
  BroadcastInputSchema,
  type DeliveryStatus,
  PreviewInputSchema,
  type PreviewResume,
} from "../../lib/schemas/broadcast";
import type { PreviewResult, SessionFilter } from "../../lib/schemas/session";
import { seedDemoSessions } from "../../lib/sessions/demo";
import { markOnline } from "../../lib/sessions/presence";
import { listSessions, previewTarget, type QueryDeps } from "../../lib/sessions/query";
import { depsOnBenchRedis, startBenchRedis } from "./redis-server";
import { fmtInt } from "./stats";
import { checkOneCopyEach } from "./verify";

export interface AdminBenchOptions {
  sessions: number;
  runs: number;
  log: (line: string) => void;
}

/** The routes' default page sizes (lib/schemas). */
const SESSIONS_PAGE = 50;
const REPORT_PAGE = 50;
/** How far "a later page" is: the page after this many. */
const LATER = 20;
const ONLINE = 2_000;
const RECEIPTS = 5_000;

interface Timed {
  what: string;
  target: number;
  ms: number[];
  /** CPU time of the last run, ms: redis-server (INFO cpu) and this process. */
  cpu: { redis: number; bench: number };
  note?: string;
}

/** CPU seconds redis-server has used (INFO cpu). */
async function redisCpu(deps: Deps): Promise<number> {
  const info = await deps.redis.info("cpu");
  const get = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return get("used_cpu_user") + get("used_cpu_sys");
}

export async function benchAdmin(o: AdminBenchOptions): Promise<void> {
  const server = await startBenchRedis();
  try {
    const deps = depsOnBenchRedis(server);
    const q: QueryDeps = { ...deps, scanCount: deps.config.HERALD_SCAN_COUNT };
    const t0 = performance.now();
    o.log(`seeding ${fmtInt(o.sessions)} sessions…`);
    const seeded = await seedDemoSessions(deps.redis, deps.keys, {
      sessions: o.sessions,
      emptyRatio: 0.5,
      messages: 5,
      ttlSeconds: deps.config.HERALD_SESSION_TTL_SECONDS,
      onProgress: (n) => n % 200_000 === 0 && o.log(`  ${fmtInt(n)}`),
    });
    const ids = await someIds(deps, ONLINE + RECEIPTS);
    o.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s; the broadcast's records…`);
    const summary = await sendBroadcast(
      deps,
      BroadcastInputSchema.parse({ message: "System maintenance in 5 minutes" }),
      "bench",
      { estimate: false },
    );
    // The records stay; the copies go, so the sessions are as seeded (half of them empty) again.
    const payload = (await getBroadcast(deps.redis, deps.keys, summary.id))?.payload ?? "";
    await checkOneCopyEach(deps.redis, deps.keys, payload, { remove: true });
    const receipts = ids.slice(ONLINE).map((sessionId, i) => ({
      sessionId,
      to: i % 2 === 0 ? ("delivered" as const) : ("seen" as const),
    }));
    for (let i = 0; i < receipts.length; i += 500)
      await markDeliveries(deps.redis, deps.keys, summary.id, receipts.slice(i, i + 500));

    // Online for the whole bench (presence lapses a minute after its last refresh).
    await markOnline(deps.redis, deps.keys, ids.slice(0, ONLINE), Date.now() + 3_600_000);
    const rows: Timed[] = [];
    const time = async (what: string, target: number, fn: () => Promise<unknown>, note?: string) => {
      const ms: number[] = [];
      const cpu = { redis: 0, bench: 0 };
      for (let i = 0; i < o.runs; i++) {
        const r0 = await redisCpu(deps);
        const c0 = process.cpuUsage();
        const t = performance.now();
        await fn();
        ms.push(performance.now() - t);
        const c = process.cpuUsage(c0);
        cpu.redis = ((await redisCpu(deps)) - r0) * 1000;
        cpu.bench = (c.user + c.system) / 1000;
      }
      rows.push({ what, target, ms, cpu, ...(note ? { note } : {}) });
      o.log(`${what}: ${ms.map((m) => m.toFixed(0)).join(", ")} ms`);
    };

    // As the route answers: within its budget, with estimates while the walk goes on; then the
    // console's follow-up answers to the exact counts, and the whole walk in one call (the CLI).
    const exact = await previewTarget(q, { type: "all" });
    const budgetMs = deps.config.HERALD_PREVIEW_BUDGET_MS;
    let first: PreviewResult | undefined;
    await time("preview: all sessions, first answer (the route's budget)", 2000, async () => {
      first = await previewTarget(q, { type: "all" }, { budgetMs });
    });
    let answers = 0;
    await time(
      "preview: all sessions, answer after answer to the exact counts",
      Number.POSITIVE_INFINITY,
      async () => {
        let resume: PreviewResume | undefined;
        answers = 0;
        do {
          const a = await previewTarget(q, { type: "all" }, { budgetMs, resume });
          answers++;
          resume = a.counting ? PreviewInputSchema.parse({ resume: a.counting.resume }).resume : undefined;
          if (!resume && (a.total !== exact.total || a.withMessages !== exact.withMessages))
            throw new Error(
              `preview ended on ${a.total}/${a.withMessages}, not ${exact.total}/${exact.withMessages}`,
            );
        } while (resume);
      },
    );
    if (first?.counting)
      o.log(
        `  first answer: ${(first.counting.walked * 100).toFixed(0)}% walked, estimate ${fmtInt(first.total)} sessions ` +
          `(exact ${fmtInt(exact.total)}: ${(((first.total - exact.total) / exact.total) * 100).toFixed(2)}%), ` +
          `with history ${fmtInt(first.withMessages)} (exact ${fmtInt(exact.withMessages)}); ${answers} answers to the end`,
      );
    await time("preview: all sessions, one call to the end (the CLI)", Number.POSITIVE_INFINITY, () =>
      previewTarget(q, { type: "all" }),
    );
    await time("preview: online", 2000, () => previewTarget(q, { type: "online" }));
    await time("preview: 100 named sessions", 2000, () =>
      previewTarget(q, { type: "sessions", ids: ids.slice(0, 100) }),
    );
    for (const filter of ["all", "empty", "nonempty", "online"] as SessionFilter[]) {
      const page = (cursor: string) => listSessions(q, { filter, cursor, limit: SESSIONS_PAGE });
      await time(`sessions ${filter}: first page`, 300, () => page("0"));
      const later = await cursorAfter(LATER, (c) => page(c).then((p) => p.nextCursor));
      if (later) await time(`sessions ${filter}: page ${LATER + 1}`, 300, () => page(later));
    }
    const statuses: (DeliveryStatus | undefined)[] = [
      undefined,
      "stored",
      "delivered",
      "seen",
      "duplicate",
      "failed",
    ];
    for (const status of statuses) {
      const page = (cursor: string) =>
        listDeliveries(deps.redis, deps.keys, summary.id, {
          cursor,
          limit: REPORT_PAGE,
          ...(status ? { status } : {}),
        });
      const name = `report ${status ?? "all"}`;
      await time(`${name}: first page`, 300, () => page("0"));
      const later = await cursorAfter(LATER, (c) => page(c).then((p) => p.nextCursor));
      if (later) await time(`${name}: page ${LATER + 1}`, 300, () => page(later));
    }
    const search = (qs: string, status?: DeliveryStatus) =>
      listDeliveries(deps.redis, deps.keys, summary.id, {
        cursor: "0",
        limit: REPORT_PAGE,
        q: qs,
        ...(status ? { status } : {}),
      });
    const known = ids[ids.length - 1]!;
    await time("report search: a whole session id", 1000, () => search(known));
    await time("report search: part of an id", 1000, () => search(known.slice(3, 9)));
    await time("report search: no match", 1000, () => search("no-such-session"));
    await time("report search: a whole id, status stored", 1000, () => search(ids[0]!, "stored"));
    printAdmin(rows, o.sessions, seeded.empty);
  } finally {
    await closeRedis();
    await server.stop();
  }
}

/** Ids of `n` seeded sessions (one SCAN walk of the data keys, stopped once it has them). */
async function someIds(deps: Deps, n: number): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await deps.redis.scan(cursor, "COUNT", 1000);
    cursor = next;
    for (const k of found) {
      const parsed =
        k.startsWith(deps.keys.layout.sessionPrefix) && !k.endsWith(deps.keys.layout.messagesSuffix);
      if (parsed) out.push(k.slice(deps.keys.layout.sessionPrefix.length));
    }
  } while (cursor !== "0" && out.length < n);
  return out.slice(0, n);
}

/** The cursor of the page after `pages` pages (null if the listing is shorter). */
async function cursorAfter(pages: number, next: (cursor: string) => Promise<string | null>) {
  let cursor: string | null = "0";
  for (let i = 0; i < pages && cursor; i++) cursor = await next(cursor);
  return cursor;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function printAdmin(rows: Timed[], sessions: number, empty: number): void {
  const lines = [
    "",
    `Admin at ${fmtInt(sessions)} sessions (${fmtInt(empty)} empty; ${fmtInt(ONLINE)} online; one broadcast's ${fmtInt(sessions)} records, ${fmtInt(RECEIPTS)} of them delivered or seen)`,
    "| read | target | each run | median | met | CPU of the last run: redis / bench process |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const m = median(r.ms);
    lines.push(
      `| ${r.what} | ${Number.isFinite(r.target) ? `≤ ${fmtInt(r.target)} ms` : "—"} | ${r.ms.map((x) => x.toFixed(0)).join(", ")} ms | **${m.toFixed(0)} ms** | ${!Number.isFinite(r.target) ? "" : m <= r.target ? "yes" : "no"} | ${r.cpu.redis.toFixed(0)} / ${r.cpu.bench.toFixed(0)} ms |`,
    );
  }
  console.log(lines.join("\n"));
}
