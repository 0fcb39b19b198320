import type { Deps } from "../context";
import { clusterOf } from "../redis/connection";
import { sessionRoom } from "../redis/keys";
import { keyedPipeline } from "../redis/pipeline";
import { groupBySlot, isRedirection, keySlot } from "../redis/slots";
import type { StoredBroadcast } from "./store";
import type { TargetEntry } from "./walk";

/**
 * One batch of sessions: store the message (fanout.lua), then record each session's outcome
 * (record-deliveries.lua). A call that fails as a whole (Redis unreachable, stalled, restarted)
 * is thrown, never recorded as a per-session failure: the run stops and is taken up again, and
 * the duplicate check keeps what it did exact. Only what the script says of one session (its
 * list has another type, it does not exist) fails that session.
 */

export interface StoreResult {
  /** One letter per entry, see fanout.lua ('C','S','D','W','N','X','G','T'). */
  codes: string;
  /** The reason of each 'W', in order. */
  reasons: string[];
}

/**
 * Where the fan-out marks the long lists it pushed to, which bounds its duplicate check: on one
 * Redis the broadcast's set (keys.pushed); on a cluster the set of each slot (keys.pushedInSlot),
 * so that it sits beside the lists it marks. null: whole lists are searched instead.
 */
export type Marks = string | ((slot: number) => string) | null;

/** The marks of a broadcast's fan-out: null for one created before marks (see StoredBroadcast.dedupe). */
export function marksOf(deps: Deps, record: Pick<StoredBroadcast, "id" | "dedupe">): Marks {
  if (clusterOf(deps.redis))
    return record.dedupe === "slot-marks" ? (slot) => deps.keys.pushedInSlot(record.id, slot) : null;
  return record.dedupe === "marks" ? deps.keys.pushed(record.id) : null;
}

/**
 * Store the message in a batch of sessions: one fanout.lua call (on a cluster, one per slot).
 * `marks` (see marksOf) bounds the duplicate check; null searches whole lists instead.
 */
export async function storeBatch(
  deps: Deps,
  entries: TargetEntry[],
  payload: string,
  marks: Marks,
): Promise<StoreResult> {
  if (clusterOf(deps.redis))
    return storeBatchOnCluster(deps, entries, payload, typeof marks === "function" ? marks : null);
  if (typeof marks === "function") throw new Error("per-slot marks are for a cluster");
  const { redis, keys, config } = deps;
  const ttl = config.HERALD_MESSAGE_TTL_SECONDS;
  const keyArgs: string[] = marks ? [marks] : [];
  let kinds = "";
  for (const e of entries) {
    // fanout.lua takes only the keys a kind needs: a session found by its data key was there
    // a moment ago, so it needs its list key alone. Without a TTL, though, a list created for
    // a session that ended meanwhile would never go away: then it is checked as online ones are.
    const kind = e.kind === "d" && ttl === 0 ? "o" : e.kind;
    if (kind !== "d") keyArgs.push(keys.sessionData(e.id));
    keyArgs.push(keys.sessionMessages(e.id));
    kinds += kind;
  }
  const [codes = "", ...wrongTypes] = await redis.heraldFanout(
    keyArgs.length,
    ...keyArgs,
    payload,
    ttl,
    kinds,
    marks ? "marks" : "lists",
    SEARCHED_LIST_LENGTH,
  );
  return { codes, reasons: wrongTypes.map(wrongTypeReason) };
}

/**
 * Lists up to this long are searched for an earlier copy (LPOS MAXLEN, a few µs); longer ones
 * are marked instead (fanout.lua): the duplicate check never reads more than this many entries.
 */
const SEARCHED_LIST_LENGTH = 100;

const wrongTypeReason = (type: string) => `messages key holds a ${type}, not a list`;

/**
 * The cluster path of storeBatch. A session's data key and list key are in different slots, so
 * the data keys the check needs are looked up first (one pipeline per node), and fanout.lua
 * gets list keys only, one call per slot. A call caught by a resharding (its slot map stale, a
 * slot migrating) runs nothing; it is then sent again on its own, which ioredis redirects
 * (MOVED, ASK) by itself. The duplicate check makes any of it safe to repeat.
 */
async function storeBatchOnCluster(
  deps: Deps,
  entries: TargetEntry[],
  payload: string,
  marks: ((slot: number) => string) | null,
): Promise<StoreResult> {
  const { redis, keys, config } = deps;
  const ttl = config.HERALD_MESSAGE_TTL_SECONDS;
  // Found by its data key a moment ago: no need to look again (unless no TTL would clean up after it).
  const checked = (e: TargetEntry) => e.kind !== "d" || ttl === 0;
  const lookups = keyedPipeline(redis);
  for (const e of entries) if (checked(e)) lookups.exists(keys.sessionData(e.id));
  const found = ((await lookups.exec()) ?? []).map(([err, n]) => {
    if (err) throw err;
    return n as number;
  });
  let next = 0;
  const exists = entries.map((e) => (checked(e) ? found[next++] : 1));
  const codes: string[] = new Array(entries.length);
  const types: string[] = new Array(entries.length);
  const todo: { index: number; kind: string; list: string }[] = [];
  entries.forEach((e, i) => {
    const hasData = exists[i] === 1;
    // Found by its list while it has a data key: the data key's occurrence handles it.
    if (e.kind === "m" && hasData) codes[i] = "X";
    else
      todo.push({
        index: i,
        kind: hasData ? "d" : e.kind === "e" ? "n" : "g",
        list: keys.sessionMessages(e.id),
      });
  });
  const apply = (part: typeof todo, reply: unknown) => {
    const [got = "", ...wrongTypes] = reply as string[];
    let w = 0;
    part.forEach((t, n) => {
      codes[t.index] = got[n] ?? "E";
      if (got[n] === "W") types[t.index] = wrongTypes[w++] ?? "?";
    });
  };
  // A call's lists share a slot, and so does the set that marks them ("marks"); without marks
  // ("lists") the duplicate check searches each whole list (see fanout.lua).
  // A session sent again on its own (`alone`) is in a slot caught moving: its marks set may be
  // on the other side, where a call naming both could not run, so it goes without ("short":
  // a long list is then left for a later run, see below).
  const call = (part: typeof todo, alone = false): [number, ...(string | number)[]] => {
    const lists = part.map((t) => t.list);
    const kinds = part.map((t) => t.kind).join("");
    if (!marks) return [lists.length, ...lists, payload, ttl, kinds, "lists"];
    if (alone) return [lists.length, ...lists, payload, ttl, kinds, "short", SEARCHED_LIST_LENGTH];
    const set = marks(keySlot(lists[0]!));
    return [lists.length + 1, set, ...lists, payload, ttl, kinds, "marks", SEARCHED_LIST_LENGTH];
  };
  // One fanout.lua call per slot (a call's keys in one slot: what Redis Cluster requires), all
  // of a node's calls in one pipeline (one round trip per node).
  const slots = groupBySlot(todo.map((t) => t.list)).map((group) => group.map((j) => todo[j]!));
  const calls = keyedPipeline(redis, { resendRedirected: false });
  for (const part of slots) calls.heraldFanout(...call(part));
  const replies = (await calls.exec()) ?? [];
  const caught: typeof todo = [];
  slots.forEach((part, k) => {
    const [err, reply] = replies[k] ?? [new Error("no reply"), null];
    if (!err) apply(part, reply);
    else if (isRedirection(err)) caught.push(...part);
    else throw err;
  });
  // A call caught by a resharding ran nothing: its sessions again, one per call (one key is on the
  // migrating node or, by ASK, on the importing one; several could only get TRYAGAIN meanwhile).
  await Promise.all(caught.map(async (t) => apply([t], await redis.heraldFanout(...call([t], true)))));
  const reasons: string[] = [];
  codes.forEach((c, i) => {
    if (c === "W") reasons.push(wrongTypeReason(types[i] ?? "?"));
  });
  return { codes: codes.join(""), reasons };
}

export interface BatchOutcome {
  /** Sessions of this walk in the batch (those skipped as another key's, or vanished, are not). */
  sessions: number;
  /** Sessions left unwritten for a later run ('T'): the run must not count this batch as done. */
  deferred: number;
  /** Rooms of the sessions the message was stored in (for a second live push). */
  storedRooms: string[];
  /** The record call, already sent: resolves with its counts. */
  recorded: Promise<RecordCounts>;
}

export interface RecordCounts {
  targeted: number;
  stored: number;
  created: number;
  duplicates: number;
  failed: number;
}

const NONE: RecordCounts = { targeted: 0, stored: 0, created: 0, duplicates: 0, failed: 0 };

/**
 * Record what storeBatch did, one record per session (record-deliveries.lua). The call is sent
 * before this returns, so it goes ahead of the next fan-out calls; its counts come later.
 */
export function recordBatch(
  deps: Deps,
  broadcastId: string,
  entries: TargetEntry[],
  result: StoreResult,
  debug?: (sessionId: string, code: string) => void,
): BatchOutcome {
  const { redis, keys } = deps;
  let statuses = "";
  const ids: string[] = [];
  const reasons: string[] = [];
  const storedRooms: string[] = [];
  let nextReason = 0;
  let deferred = 0;
  for (let i = 0; i < entries.length; i++) {
    const c = result.codes[i] ?? "E";
    // Not a session of this walk: its other key is handled elsewhere, or it vanished; or not
    // written yet ('T': a long list in a cluster slot being moved, left for a later run).
    if (c === "T") deferred++;
    if (c === "X" || c === "G" || c === "T") continue;
    const sid = entries[i]!.id;
    ids.push(sid);
    if (c === "C" || c === "S") {
      statuses += c === "C" ? "c" : "s";
      storedRooms.push(sessionRoom(sid));
    } else if (c === "D") {
      statuses += "d";
    } else {
      statuses += "f";
      reasons.push(c === "N" ? "no such session" : (result.reasons[nextReason++] ?? "unknown error"));
    }
    debug?.(sid, c);
  }
  if (ids.length === 0) return { sessions: 0, deferred, storedRooms, recorded: Promise.resolve(NONE) };
  const recordKeys = keys.deliveryScriptKeys(broadcastId, ["duplicate", "failed", "delivered", "seen"]);
  const recorded = redis
    .heraldRecordDeliveries(
      recordKeys.length,
      ...recordKeys,
      new Date().toISOString(),
      statuses,
      ...ids,
      ...reasons,
    )
    .then(([fresh = 0, stored = 0, created = 0, duplicates = 0, failed = 0, recovered = 0]) => ({
      targeted: fresh - recovered,
      stored,
      created,
      duplicates,
      failed: failed - recovered,
    }));
  return { sessions: ids.length, deferred, storedRooms, recorded };
}

/** A counting semaphore: `acquire` resolves with a release function (calling it twice is harmless). */
export function semaphore(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    async acquire(): Promise<() => void> {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const next = waiting.shift();
        if (next) next();
        else free++;
      };
    },
  };
}
