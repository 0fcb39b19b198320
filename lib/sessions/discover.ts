import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import { clusterOf } from "../redis/connection";
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
  /** Valid message-list keys among this page's keys (each one a session with history). */
  lists: number;
  skipped: Record<SkipReason, number>;
  /** SCAN cursor to continue after this page ("0" when the walk is over). */
  cursor: string;
  /** With `trackRunId`: the run_id of the Redis process that answered this SCAN (its cursor is valid there only). */
  runId?: string;
  /** Share of the keyspace walked after this page (0..1), when the walk spans several masters. */
  walked?: number;
}

export const emptySkips = (): Record<SkipReason, number> => ({ "empty-id": 0, "odd-key": 0, "non-utf8": 0 });

/** Thrown by a walk when the Redis process (or the cluster's layout) changed under a SCAN cursor: walk again from the start. */
export class WalkRestarted extends Error {
  override name = "WalkRestarted";
}

/**
 * Walk the session keys with SCAN (never KEYS), one page at a time, so memory stays
 * bounded whatever the number of sessions. Within a page an id found by both keys is
 * reported once (by its data key); across pages the caller resolves it (see fan-out and
 * `uniqueSessions`). Keys are read as bytes so odd ids are skipped, never mangled.
 * On a cluster every master is walked in turn (see scanCluster).
 */
export async function* scanSessionKeys(
  redis: Redis,
  keys: Keys,
  opts: { cursor?: string; count: number; match?: string; trackRunId?: boolean },
): AsyncGenerator<ScanPage> {
  const match = opts.match ?? keys.sessionScanPattern;
  const cluster = clusterOf(redis);
  const raws = cluster
    ? scanCluster(cluster, { ...opts, match })
    : scanOne(redis, opts.cursor ?? "0", { ...opts, match });
  for await (const { raw, cursor, runId, walked } of raws) {
    const skipped = emptySkips();
    const byId = new Map<string, FoundKey>();
    let lists = 0;
    for (const key of raw) {
      const parsed = isAscii(key)
        ? parseAsciiKey(key.toString("latin1"), keys.layout)
        : parseSessionKey(key, keys.layout);
      if (!parsed.ok) {
        skipped[parsed.reason]++;
        continue;
      }
      if (parsed.kind === "messages") lists++;
      const seen = byId.get(parsed.id);
      if (!seen || parsed.kind === "data") byId.set(parsed.id, { id: parsed.id, kind: parsed.kind });
    }
    yield {
      found: [...byId.values()],
      lists,
      skipped,
      cursor,
      ...(runId ? { runId } : {}),
      ...(walked !== undefined ? { walked } : {}),
    };
  }
}

/** One SCAN reply: its keys as bytes, where to continue, and which process answered. */
interface RawPage {
  raw: Buffer[];
  cursor: string;
  runId?: string;
  walked?: number;
}

/** SCAN on one Redis process from `cursor` to the end of its keyspace. */
async function* scanOne(
  node: Redis,
  cursor: string,
  opts: { count: number; match: string; trackRunId?: boolean },
): AsyncGenerator<RawPage> {
  do {
    let runId: string | undefined;
    let next: Buffer;
    let raw: Buffer[];
    if (opts.trackRunId) {
      // One transaction: the run_id names exactly the process that gave this cursor.
      const replies = await node
        .multi()
        .info("server")
        .scanBuffer(cursor, "MATCH", opts.match, "COUNT", opts.count)
        .exec();
      const [infoReply, scanReply] = replies ?? [];
      if (!infoReply || !scanReply || infoReply[0] || scanReply[0])
        throw infoReply?.[0] ?? scanReply?.[0] ?? new Error("SCAN transaction aborted");
      runId = parseRunId(String(infoReply[1]));
      [next, raw] = scanReply[1] as [Buffer, Buffer[]];
    } else {
      [next, raw] = await node.scanBuffer(cursor, "MATCH", opts.match, "COUNT", opts.count);
    }
    cursor = next.toString();
    yield { raw, cursor, ...(runId ? { runId } : {}) };
  } while (cursor !== "0");
}

/** Masters a cursor may name (at most this many: the master's index is kept in the cursor's low byte). */
const MAX_MASTERS = 256;

/**
 * SCAN every master of a cluster, one after the other (a SCAN sent to the Cluster client would
 * reach one random node). The cursor is one decimal number, `scanCursor * 256 + masterIndex`,
 * so it fits where a plain SCAN cursor went (API cursors, the broadcast's resume point); the
 * masters are taken in address order.
 *
 * With `trackRunId`, each page's runId names the cluster's whole layout when the walk began
 * (every master's run_id, the slots each serves, keys of slots in migration; see
 * clusterLayout): a resume with a cursor from another layout starts over, and so does a walk
 * during which the layout changed (a slot migrated, keys moved, a failover), since keys moving
 * between masters may then have been walked twice or not at all. The fan-out's duplicate check
 * makes a second walk harmless.
 */
async function* scanCluster(
  cluster: Cluster,
  opts: { cursor?: string; count: number; match: string; trackRunId?: boolean },
): AsyncGenerator<RawPage> {
  const masters = cluster.nodes("master").sort((a, b) => nodeName(a).localeCompare(nodeName(b), "en"));
  if (masters.length > MAX_MASTERS) throw new Error(`more than ${MAX_MASTERS} masters`);
  const start = BigInt(opts.cursor ?? "0");
  const first = Number(start % BigInt(MAX_MASTERS));
  let scan = (start / BigInt(MAX_MASTERS)).toString();
  const before = opts.trackRunId ? await clusterLayout(masters) : undefined;
  // A saved point past the last master (masters were removed since): no page would be read to
  // compare layouts, so say it here.
  if (first >= masters.length) {
    if (before)
      throw new WalkRestarted(`the cluster has ${masters.length} masters, the saved point names #${first}`);
    return;
  }
  for (let i = first; i < masters.length; i++) {
    const node = masters[i]!;
    for await (const page of scanOne(node, scan, opts)) {
      // A master restarted mid-walk (or failed over): its cursor means nothing any more.
      if (before && page.runId !== before.runIds.get(nodeName(node)))
        throw new WalkRestarted(`cluster node ${nodeName(node)} restarted during the walk`);
      const last = page.cursor === "0";
      const cursor =
        last && i + 1 === masters.length
          ? "0"
          : (BigInt(last ? 0 : page.cursor) * BigInt(MAX_MASTERS) + BigInt(last ? i + 1 : i)).toString();
      yield {
        raw: page.raw,
        cursor,
        ...(before ? { runId: before.id } : {}),
        walked: (i + scanWalked(page.cursor)) / masters.length,
      };
    }
    scan = "0";
  }
  if (!before) return;
  const after = await clusterLayout(masters);
  if (after.id !== before.id) throw new WalkRestarted("the cluster's slots moved during the walk");
}

const nodeName = (node: Redis) => `${node.options.host}:${node.options.port}`;

/**
 * What a cluster walk depends on: for every master its run_id (its SCAN cursors are valid in
 * that process only), the slots it serves, and for each slot it is migrating or importing
 * (`[slot->-node]` in CLUSTER NODES) how many keys it holds there, folded into one short id. Keys
 * moving between masters change those counts, so a walk during an active migration sees
 * another id at its end; a migration left half-done but idle does not (every key is then on one
 * of the two masters, both walked).
 */
async function clusterLayout(masters: Redis[]): Promise<{ id: string; runIds: Map<string, string> }> {
  const runIds = new Map<string, string>();
  const parts: string[] = [];
  for (const node of masters) {
    const [info, nodes] = await Promise.all([node.info("server"), node.cluster("NODES") as Promise<string>]);
    const runId = parseRunId(info);
    runIds.set(nodeName(node), runId);
    const myself = String(nodes)
      .split("\n")
      .find((l) => l.split(" ")[2]?.includes("myself"));
    const fields = (myself ?? "").split(" ");
    // id, config epoch, slots (fields 8+; "[slot->-id]" or "[slot-<-id]" while one moves).
    const slots = fields.slice(8);
    const moving = slots.filter((r) => r.startsWith("[")).map((r) => Number(r.slice(1).split("-")[0]));
    const counts = await Promise.all(
      moving.map((slot) => node.cluster("COUNTKEYSINSLOT", slot) as Promise<number>),
    );
    const inFlight = moving.map((slot, i) => `${slot}:${counts[i]}`).join(",");
    parts.push(`${nodeName(node)} ${runId} ${fields[0]} ${fields[6]} ${slots.join(" ")} ${inFlight}`);
  }
  const id = createHash("sha1").update(parts.sort().join("\n")).digest("hex").slice(0, 16);
  return { id, runIds };
}

/**
 * Share of the keyspace a SCAN walk has covered when it returned `cursor`. Redis walks its
 * hash table in reverse-binary order, so the cursor read with its bits reversed counts the
 * buckets done: bit i of the cursor weighs 2^-(i+1), whatever the table's size.
 */
export function scanWalked(cursor: string): number {
  let c = BigInt(cursor);
  if (c === 0n) return 1;
  let share = 0;
  for (let weight = 0.5; c > 0n; weight /= 2, c >>= 1n) if (c & 1n) share += weight;
  return share;
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

export interface SessionCounts {
  total: number;
  withMessages: number;
}

/** Where a counting walk stopped: the counts so far and the SCAN cursor to go on from. */
export interface CountPoint extends SessionCounts {
  /** SCAN cursor to continue from ("0": the walk is over and the counts are exact). */
  cursor: string;
  /** Share of the keyspace walked (0..1). */
  walked: number;
  /** The Redis process (or cluster layout) the cursor belongs to. */
  runId: string;
}

/** SCAN COUNT of a counting walk: few round trips; a page of 5,000 keys is a ~2 ms call. */
const COUNT_PAGE = 5000;
/** Existence checks in flight while SCAN goes on (each holds only a number). */
const COUNT_AHEAD = 8;

/**
 * How many sessions there are and how many have history, in one SCAN walk with bounded memory.
 * Every valid list key is a session with history; a session is counted once by its data key,
 * or by its list when it has none. Only the lists whose data key was not on the same page need
 * a look-up, and they are counted, not listed: one multi-key EXISTS per page (per node on a
 * cluster), sent while SCAN reads on.
 *
 * With `budgetMs` the walk stops after the first page past that time and says where (`cursor`
 * not "0"); `from` goes on from such a point. Such a point is only worth something on the Redis
 * process (or cluster layout) it was taken on, so these walks note it: a point from another one,
 * or a walk the layout changed under (a failover, a resharding), starts over. Twice at most:
 * while slots keep moving, the count goes on untracked, as a walk without a budget always does
 * (its counts may then be off by the keys that moved, as any count during a move).
 */
export async function countSessions(
  redis: Redis,
  keys: Keys,
  scanCount: number,
  opts: { from?: Omit<CountPoint, "walked">; budgetMs?: number } = {},
): Promise<CountPoint> {
  const deadline = performance.now() + (opts.budgetMs ?? Number.POSITIVE_INFINITY);
  const count = Math.max(scanCount, COUNT_PAGE);
  let from = opts.from && validCursor(redis, opts.from.cursor) ? opts.from : undefined;
  let track = opts.budgetMs !== undefined || opts.from !== undefined;
  for (let restarts = 0; ; restarts++) {
    try {
      return await countWalk(redis, keys, count, { from, track, deadline });
    } catch (err) {
      if (!(err instanceof WalkRestarted)) throw err;
      from = undefined;
      if (restarts >= 1) track = false;
    }
  }
}

/** A cursor this Redis could have given: SCAN's are unsigned 64-bit, a cluster walk's 8 bits more. */
function validCursor(redis: Redis, cursor: string): boolean {
  const c = BigInt(cursor);
  return c > 0n && c < 2n ** (clusterOf(redis) ? 72n : 64n);
}

async function countWalk(
  redis: Redis,
  keys: Keys,
  count: number,
  opts: { from: Omit<CountPoint, "walked"> | undefined; track: boolean; deadline: number },
): Promise<CountPoint> {
  const { from, track, deadline } = opts;
  let total = from?.total ?? 0;
  let withMessages = from?.withMessages ?? 0;
  // Untracked, the point names no process: "0" (a resumed count then starts over).
  let point = { cursor: "0", walked: 1, runId: from?.runId ?? "0" };
  const pending: Promise<void>[] = [];
  for await (const page of scanSessionKeys(redis, keys, { count, cursor: from?.cursor, trackRunId: track })) {
    if (from && page.runId !== from.runId) throw new WalkRestarted("Redis changed since the count began");
    point = { cursor: page.cursor, walked: page.walked ?? scanWalked(page.cursor), runId: page.runId ?? "0" };
    withMessages += page.lists;
    const listOnly: string[] = [];
    for (const f of page.found) {
      if (f.kind === "data") total++;
      else listOnly.push(keys.sessionData(f.id));
    }
    if (listOnly.length > 0)
      pending.push(
        existingCount(redis, listOnly).then((withData) => {
          total += listOnly.length - withData;
        }),
      );
    if (pending.length >= COUNT_AHEAD) await Promise.all(pending.splice(0));
    if (page.cursor !== "0" && performance.now() >= deadline) break;
  }
  await Promise.all(pending);
  return { total, withMessages, ...point };
}

/** How many of `names` exist: one EXISTS on one Redis; on a cluster, one per key (pipelined per node). */
async function existingCount(redis: Redis, names: string[]): Promise<number> {
  if (!clusterOf(redis)) return redis.exists(...names);
  const pipe = keyedPipeline(redis);
  for (const k of names) pipe.exists(k);
  let n = 0;
  for (const [err, r] of (await pipe.exec()) ?? []) {
    if (err) throw err;
    n += r as number;
  }
  return n;
}
