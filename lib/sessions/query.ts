import type { Redis } from "ioredis";
import { escapeGlob, type Keys } from "../redis/keys";
import { keyedPipeline } from "../redis/pipeline";
import { exactPage } from "../redis/scan-page";
import { encodePreviewResume, type PreviewResume, type Target } from "../schemas/broadcast";
import type { PreviewResult, SessionFilter, SessionInfo, SessionPage } from "../schemas/session";
import { countSessions, uniqueSessions } from "./discover";
import { areOnline, onlineCount, onlinePage } from "./presence";

export interface QueryDeps {
  redis: Redis;
  keys: Keys;
  scanCount: number;
}

/** Details of some sessions in one round trip; ids with neither key come back as null. */
export async function describeSessions(deps: QueryDeps, ids: string[]): Promise<(SessionInfo | null)[]> {
  if (ids.length === 0) return [];
  const { redis, keys } = deps;
  const pipe = keyedPipeline(redis);
  for (const id of ids) {
    pipe.exists(keys.sessionData(id));
    pipe.type(keys.sessionMessages(id));
    pipe.llen(keys.sessionMessages(id));
    pipe.pttl(keys.sessionData(id));
    pipe.pttl(keys.sessionMessages(id));
  }
  const [replies, online] = await Promise.all([pipe.exec(), areOnline(redis, keys, ids)]);
  const r = replies ?? [];
  return ids.map((id, i) => {
    const [, dataExists] = r[i * 5] ?? [];
    const [, type] = r[i * 5 + 1] ?? [];
    const [llenErr, llen] = r[i * 5 + 2] ?? [];
    // The session lives as long as its data key; a list-only session as long as its list.
    const [, pttl] = r[i * 5 + (dataExists === 1 ? 3 : 4)] ?? [];
    if (dataExists !== 1 && type === "none") return null;
    // A message key of another type counts as non-empty history that Herald cannot read.
    const messageCount = llenErr ? 0 : Number(llen ?? 0);
    const ttl = Number(pttl ?? -2);
    return {
      id,
      empty: type === "none",
      messageCount,
      online: online[i] ?? false,
      ttlSeconds: ttl >= 0 ? Math.ceil(ttl / 1000) : ttl === -1 ? -1 : null,
    };
  });
}

/**
 * One page of exactly `limit` sessions (fewer only at the end). The cursor walks SCAN pages
 * (see exactPage: it can stop inside one), or is an offset into the online set for `online`.
 */
export async function listSessions(
  deps: QueryDeps,
  opts: { filter: SessionFilter; cursor: string; limit: number; q?: string },
): Promise<SessionPage> {
  if (opts.filter === "online") return listOnline(deps, opts);
  const { redis, keys } = deps;
  const match = opts.q ? `${escapeGlob(keys.layout.sessionPrefix)}*${escapeGlob(opts.q)}*` : undefined;
  // A COUNT near the page size keeps each SCAN call small.
  const count = Math.max(10, Math.min(deps.scanCount, opts.limit));
  const { rows, nextCursor } = await exactPage<SessionInfo>({
    cursor: opts.cursor,
    limit: opts.limit,
    idOf: (s) => s.id,
    fetch: async (_phase, cursor) => {
      const walk = uniqueSessions(redis, keys, { cursor, count, match });
      const first = await walk.next();
      await walk.return(undefined);
      if (first.done) return { rows: [], next: "0" };
      const page = first.value;
      const infos = await describeSessions(
        deps,
        page.sessions.map((f) => f.id),
      );
      return {
        rows: infos.filter((i): i is SessionInfo => i !== null && keep(opts.filter, i)),
        next: page.cursor,
      };
    },
  });
  return { sessions: rows, nextCursor };
}

function keep(filter: SessionFilter, info: SessionInfo): boolean {
  if (filter === "empty") return info.empty;
  if (filter === "nonempty") return !info.empty;
  return true;
}

/** Online sessions from an offset into the presence set; a search reads on until the page is full. */
async function listOnline(
  deps: QueryDeps,
  opts: { cursor: string; limit: number; q?: string },
): Promise<SessionPage> {
  const { redis, keys } = deps;
  const out: SessionInfo[] = [];
  let offset = Number(opts.cursor.split(".")[0]) || 0;
  for (;;) {
    const ids = await onlinePage(redis, keys, offset, ONLINE_BATCH);
    const infos = await describeSessions(
      deps,
      ids.filter((id) => !opts.q || id.includes(opts.q)),
    );
    const byId = new Map(infos.filter((i): i is SessionInfo => i !== null).map((i) => [i.id, i]));
    for (const [i, id] of ids.entries()) {
      const info = byId.get(id);
      if (info) out.push(info);
      if (out.length === opts.limit) {
        const next = offset + i + 1;
        return {
          sessions: out,
          nextCursor: ids.length > i + 1 || ids.length === ONLINE_BATCH ? String(next) : null,
        };
      }
    }
    if (ids.length < ONLINE_BATCH) return { sessions: out, nextCursor: null };
    offset += ids.length;
  }
}

const ONLINE_BATCH = 200;

const SAMPLE_SIZE = 20;

/**
 * Who a target reaches: counts of the whole target (one SCAN walk for `all`, bounded memory)
 * and a first page of sessions.
 *
 * Counting `all` walks the whole keyspace (about 5 s at 1,000,000 sessions), so with `budgetMs`
 * the walk stops when its time is up and the answer carries estimates (what it found, scaled
 * by the share walked) and `counting.resume`, which a next call (`resume`) goes on from; the
 * last call's counts are exact. Without a budget (the CLI) it counts to the end.
 */
export async function previewTarget(
  deps: QueryDeps,
  target: Target,
  opts: { budgetMs?: number; resume?: PreviewResume } = {},
): Promise<PreviewResult> {
  const { redis, keys } = deps;
  if (target.type === "sessions") {
    // A repeated id is one session, as the fan-out counts it.
    const ids = [...new Set(target.ids)];
    const infos = (await describeSessions(deps, ids)).filter((s): s is SessionInfo => s !== null);
    return {
      total: infos.length,
      empty: infos.filter((s) => s.empty).length,
      withMessages: infos.filter((s) => !s.empty).length,
      online: infos.filter((s) => s.online).length,
      sample: infos.slice(0, SAMPLE_SIZE),
    };
  }
  if (target.type === "online") {
    const total = await onlineCount(redis, keys);
    // The online set is small next to the keyspace: count empties over it page by page.
    let empty = 0;
    let sample: SessionInfo[] = [];
    for (let offset = 0; offset < total; offset += 1000) {
      const ids = await onlinePage(redis, keys, offset, 1000);
      const infos = (await describeSessions(deps, ids)).filter((s): s is SessionInfo => s !== null);
      empty += infos.filter((s) => s.empty).length;
      if (sample.length < SAMPLE_SIZE) sample = sample.concat(infos.slice(0, SAMPLE_SIZE - sample.length));
      if (ids.length < 1000) break;
    }
    return { total, empty, withMessages: total - empty, online: total, sample };
  }
  // all: counted by one walk that lists nothing; the sample is the first page's sessions.
  const [point, online, sample] = await Promise.all([
    countSessions(redis, keys, deps.scanCount, { from: opts.resume, budgetMs: opts.budgetMs }),
    onlineCount(redis, keys),
    firstSessions(deps, SAMPLE_SIZE),
  ]);
  if (point.cursor === "0") {
    const { total, withMessages } = point;
    return { total, empty: Math.max(0, total - withMessages), withMessages, online, sample };
  }
  // Keys are spread evenly over Redis's hash table, so the share walked scales the counts.
  const scale = (n: number) => Math.round(n / Math.max(point.walked, 1e-6));
  const total = Math.max(scale(point.total), online);
  const withMessages = Math.min(scale(point.withMessages), total);
  return {
    total,
    empty: total - withMessages,
    withMessages,
    online,
    sample,
    counting: { walked: point.walked, resume: encodePreviewResume(point) },
  };
}

/** The first `n` sessions a walk finds, described. */
async function firstSessions(deps: QueryDeps, n: number): Promise<SessionInfo[]> {
  const out: SessionInfo[] = [];
  for await (const page of uniqueSessions(deps.redis, deps.keys, { count: deps.scanCount })) {
    if (page.sessions.length === 0) continue;
    const infos = await describeSessions(
      deps,
      page.sessions.slice(0, n - out.length).map((s) => s.id),
    );
    for (const i of infos) if (i) out.push(i);
    if (out.length >= n) break;
  }
  return out;
}
