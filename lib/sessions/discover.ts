import { isAscii } from "node:buffer";
import type { Redis } from "ioredis";
import {
  type KeyLayout,
  type Keys,
  type ParsedSessionKey,
  parseSessionKey,
  type SkipReason,
} from "../redis/keys";
import { keyedPipeline } from "../redis/pipeline";

export interface FoundKey {
  id: string;
  /** Which key SCAN returned: the data key, or the message list. */
  kind: "data" | "messages";
}

export interface ScanPage {
  found: FoundKey[];
  skipped: Record<SkipReason, number>;
  /** SCAN cursor to continue after this page ("0" when the walk is over). */
  cursor: string;
  /** With `trackRunId`: the run_id of the Redis process that answered this SCAN (its cursor is valid there only). */
  runId?: string;
}

export const emptySkips = (): Record<SkipReason, number> => ({ "empty-id": 0, "odd-key": 0, "non-utf8": 0 });

/**
 * Walk the session keys with SCAN (never KEYS), one page at a time, so memory stays
 * bounded whatever the number of sessions. Within a page an id found by both keys is
 * reported once (by its data key); across pages the caller resolves it (see fan-out and
 * `uniqueSessions`). Keys are read as bytes so odd ids are skipped, never mangled.
 */
export async function* scanSessionKeys(
  redis: Redis,
  keys: Keys,
  opts: { cursor?: string; count: number; match?: string; trackRunId?: boolean },
): AsyncGenerator<ScanPage> {
  let cursor = opts.cursor ?? "0";
  const match = opts.match ?? keys.sessionScanPattern;
  do {
    let runId: string | undefined;
    let next: Buffer;
    let raw: Buffer[];
    if (opts.trackRunId) {
      // One transaction: the run_id names exactly the process that gave this cursor.
      const replies = await redis
        .multi()
        .info("server")
        .scanBuffer(cursor, "MATCH", match, "COUNT", opts.count)
        .exec();
      const [infoReply, scanReply] = replies ?? [];
      if (!infoReply || !scanReply || infoReply[0] || scanReply[0])
        throw infoReply?.[0] ?? scanReply?.[0] ?? new Error("SCAN transaction aborted");
      runId = parseRunId(String(infoReply[1]));
      [next, raw] = scanReply[1] as [Buffer, Buffer[]];
    } else {
      [next, raw] = await redis.scanBuffer(cursor, "MATCH", match, "COUNT", opts.count);
    }
    cursor = next.toString();
    const skipped = emptySkips();
    const byId = new Map<string, FoundKey>();
    for (const key of raw) {
      const parsed = isAscii(key)
        ? parseAsciiKey(key.toString("latin1"), keys.layout)
        : parseSessionKey(key, keys.layout);
      if (!parsed.ok) {
        skipped[parsed.reason]++;
        continue;
      }
      const seen = byId.get(parsed.id);
      if (!seen || parsed.kind === "data") byId.set(parsed.id, { id: parsed.id, kind: parsed.kind });
    }
    yield { found: [...byId.values()], skipped, cursor, ...(runId ? { runId } : {}) };
  } while (cursor !== "0");
}

/** The `run_id` line of `INFO server`: it changes at every start of redis-server (and on a failover). */
export function parseRunId(info: string): string {
  const m = /^run_id:(\w+)/m.exec(info);
  if (!m?.[1]) throw new Error("INFO server has no run_id");
  return m[1];
}

/**
 * parseSessionKey's rules for the usual key, all ASCII (bytes and characters are then the
 * same): this runs for every key of the keyspace, and on strings it needs no Buffer slices and
 * no UTF-8 decoding, which halves discovery's CPU. Any other key goes to parseSessionKey.
 */
function parseAsciiKey(key: string, layout: KeyLayout): ParsedSessionKey {
  const { sessionPrefix: prefix, messagesSuffix: suffix } = layout;
  if (!key.startsWith(prefix)) return { ok: false, reason: "odd-key" };
  const messages = key.length - prefix.length >= suffix.length && key.endsWith(suffix);
  const id = key.slice(prefix.length, messages ? key.length - suffix.length : key.length);
  if (id.length === 0) return { ok: false, reason: "empty-id" };
  if (id.includes(":")) return { ok: false, reason: "odd-key" };
  return { ok: true, kind: messages ? "messages" : "data", id };
}

export interface UniquePage {
  /** Sessions first reported on this page, each id once across the whole walk. */
  sessions: FoundKey[];
  skipped: Record<SkipReason, number>;
  cursor: string;
}

/**
 * Every session once: a session with a data key is reported where SCAN returns its data
 * key; one with only a message list where SCAN returns the list (one EXISTS per such list,
 * pipelined per page). No set of seen ids is kept.
 */
export async function* uniqueSessions(
  redis: Redis,
  keys: Keys,
  opts: { cursor?: string; count: number; match?: string },
): AsyncGenerator<UniquePage> {
  for await (const page of scanSessionKeys(redis, keys, opts)) {
    const listOnly = page.found.filter((f) => f.kind === "messages");
    const sessions: UniquePage["sessions"] = [];
    let dataExists: (number | null)[] = [];
    if (listOnly.length > 0) {
      const pipe = keyedPipeline(redis);
      for (const f of listOnly) pipe.exists(keys.sessionData(f.id));
      dataExists = ((await pipe.exec()) ?? []).map(([err, n]) => (err ? null : (n as number)));
    }
    let j = 0;
    for (const f of page.found) {
      if (f.kind === "data") {
        sessions.push(f);
      } else if (dataExists[j++] === 0) {
        sessions.push(f);
      }
    }
    yield { sessions, skipped: page.skipped, cursor: page.cursor };
  }
}
