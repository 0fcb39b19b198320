import type { Redis } from "ioredis";
import { escapeGlob, type Keys } from "../redis/keys";
import type { Target } from "../schemas/broadcast";
import type { PreviewResult, SessionFilter, SessionInfo, SessionPage } from "../schemas/session";
import { uniqueSessions } from "./discover";
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
  const pipe = redis.pipeline();
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
 * One page of sessions. The cursor is Redis's SCAN cursor (or an offset for `online`);
 * SCAN pages cannot be split, so a page may hold a few more than `limit`.
 */
export async function listSessions(
  deps: QueryDeps,
  opts: { filter: SessionFilter; cursor: string; limit: number; q?: string },
): Promise<SessionPage> {
  const { redis, keys } = deps;
  if (opts.filter === "online") {
    const offset = Number(opts.cursor);
    const ids = (await onlinePage(redis, keys, offset, opts.limit)).filter(
      (id) => !opts.q || id.includes(opts.q),
    );
    const infos = (await describeSessions(deps, ids)).filter((s): s is SessionInfo => s !== null);
    return { sessions: infos, nextCursor: ids.length < opts.limit ? null : String(offset + opts.limit) };
  }
  const match = opts.q ? `${escapeGlob(keys.layout.sessionPrefix)}*${escapeGlob(opts.q)}*` : undefined;
  const out: SessionInfo[] = [];
  let cursor = opts.cursor;
  // A COUNT near the page size keeps a small page small (SCAN pages cannot be split).
  const count = Math.max(10, Math.min(deps.scanCount, opts.limit));
  for await (const page of uniqueSessions(redis, keys, { cursor, count, match })) {
    cursor = page.cursor;
    const infos = await describeSessions(
      deps,
      page.sessions.map((s) => s.id),
    );
    for (const info of infos) {
      if (!info) continue;
      if (opts.filter === "empty" && !info.empty) continue;
      if (opts.filter === "nonempty" && info.empty) continue;
      out.push(info);
    }
    if (out.length >= opts.limit) break;
  }
  return { sessions: out, nextCursor: cursor === "0" ? null : cursor };
}

const SAMPLE_SIZE = 20;

/**
 * Who a target reaches: counts of the whole target (one SCAN walk for `all`, bounded memory)
 * and a first page of sessions.
 */
export async function previewTarget(deps: QueryDeps, target: Target): Promise<PreviewResult> {
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
  // all: a session has history when its list exists. Found-by-list sessions have one by
  // definition; found-by-data ones are checked in one pipelined EXISTS per page.
  let total = 0;
  let withMessages = 0;
  const sample: SessionInfo[] = [];
  for await (const page of uniqueSessions(redis, keys, { count: deps.scanCount })) {
    total += page.sessions.length;
    const byData = page.sessions.filter((s) => s.kind === "data");
    withMessages += page.sessions.length - byData.length;
    if (byData.length > 0) {
      const pipe = redis.pipeline();
      for (const s of byData) pipe.exists(keys.sessionMessages(s.id));
      for (const [err, n] of (await pipe.exec()) ?? []) if (!err && n === 1) withMessages++;
    }
    if (sample.length < SAMPLE_SIZE && page.sessions.length > 0) {
      const infos = await describeSessions(
        deps,
        page.sessions.slice(0, SAMPLE_SIZE - sample.length).map((s) => s.id),
      );
      for (const i of infos) if (i) sample.push(i);
    }
  }
  return { total, empty: total - withMessages, withMessages, online: await onlineCount(redis, keys), sample };
}
