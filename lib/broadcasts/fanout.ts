import { randomUUID } from "node:crypto";
import type { Deps } from "../context";
import { HeraldError } from "../errors";
import type { Emitters } from "../realtime/emitter";
import { ADMIN_ALL_ROOM, type BroadcastProgress } from "../realtime/events";
import { broadcastRoom, sessionRoom } from "../redis/keys";
import type { BroadcastRequest, BroadcastSummary, Target } from "../schemas/broadcast";
import type { StoredMessage } from "../schemas/message";
import { scanSessionKeys, uniqueSessions } from "../sessions/discover";
import { onlinePage } from "../sessions/presence";
import {
  createBroadcastRecord,
  getBroadcast,
  type StoredBroadcast,
  toPublic,
  toSummary,
  updateBroadcast,
} from "./store";

/**
 * A session to write to, and how it was found (the fan-out script's dedupe needs it): by its
 * data key, by its list, named explicitly, or online (ahead of the walk, see ONLINE_FIRST).
 */
interface TargetEntry {
  id: string;
  kind: "d" | "m" | "e" | "o";
}

interface TargetPage {
  entries: TargetEntry[];
  /** Where to continue after this page (stored as the resume point once the page is done). */
  cursor: string;
  /** Share of the whole target walked once this page is done (0..1), when the walk can tell. */
  walked?: number;
}

export interface FanOutOptions {
  /** Live pushes and admin progress; omitted in tests that only look at Redis. */
  emitters?: Emitters;
  /** Called as batches finish (CLI progress bar). */
  onProgress?: (p: BroadcastProgress) => void;
  /** Sessions per script call. */
  batchSize?: number;
  /**
   * Fan-out script calls in flight at once (default 2). A batch's record call is sent as soon as
   * its fan-out call answers, ahead of later fan-outs, so Redis always has work queued but never
   * much of it (other clients wait behind what is queued).
   */
  concurrency?: number;
  /**
   * Give progress a denominator (`estimatedTotal`): for `all`, extrapolated from how far SCAN
   * has walked the keyspace (no second walk: that would double SCAN's cost on Redis); for
   * `online` and `sessions`, counted first. At the end it is the exact number of sessions.
   */
  estimate?: boolean;
}

const LOCK_TTL_MS = 30_000;
const PROGRESS_EVERY_MS = 200;
/** SCAN pages fetched ahead of the writes, so Redis never waits for the next page (bounded memory). */
const READ_AHEAD_PAGES = 2;
/** Measured (docs/BENCHMARKS.md): 2 keeps Redis busy; more only lengthens other clients' waits. */
const DEFAULT_CONCURRENCY = 2;
/** Batches taken on per fan-out slot: their record calls and pushes overlap the next fan-outs. */
const BATCHES_PER_SLOT = 4;
/** Online sessions read per presence page in the online-first pass. */
const ONLINE_PAGE = 1000;

/** What a batch counts for: the walk's progress, and a push to the sessions it stored. */
interface BatchPass {
  walked: boolean;
  push: boolean;
}
const ONLINE_PASS: BatchPass = { walked: false, push: false };

/** Build the one message JSON stored in every session of this broadcast. */
export function buildMessage(id: string, req: BroadcastRequest, createdAt: string): StoredMessage {
  // Key order is fixed by construction, so every session gets the byte-identical string.
  return {
    id,
    type: "broadcast",
    ...(req.title ? { title: req.title } : {}),
    message: req.message,
    level: req.level,
    broadcastId: id,
    createdAt,
  };
}

/**
 * Send a broadcast: create its record (or pick up an existing one with the same id) and fan
 * it out to every target session. Sending the same id again, or resuming an interrupted one,
 * stores nothing twice.
 */
export async function sendBroadcast(
  deps: Deps,
  req: BroadcastRequest,
  author: string,
  opts: FanOutOptions = {},
): Promise<BroadcastSummary> {
  const { redis, keys } = deps;
  const id = req.id ?? randomUUID();
  let record = await getBroadcast(redis, keys, id);
  if (record) {
    if (
      record.message !== req.message ||
      (record.title ?? "") !== (req.title ?? "") ||
      record.level !== req.level
    ) {
      throw new HeraldError("conflict", `broadcast ${id} exists with another message`);
    }
  } else {
    const createdAt = new Date().toISOString();
    const payload = JSON.stringify(buildMessage(id, req, createdAt));
    const fresh: StoredBroadcast = {
      id,
      status: "running",
      message: req.message,
      level: req.level,
      target: req.target,
      author,
      createdAt,
      payload,
      cursor: "0",
      targeted: 0,
      stored: 0,
      created: 0,
      duplicates: 0,
      failed: 0,
      delivered: 0,
      seen: 0,
      processed: 0,
      estimatedTotal: 0,
    };
    if (req.title) fresh.title = req.title;
    if (!(await createBroadcastRecord(redis, keys, fresh))) {
      record = await getBroadcast(redis, keys, id);
      if (!record) throw new HeraldError("conflict", `broadcast ${id} is being created`);
    } else {
      record = fresh;
    }
  }
  return runFanOut(deps, record, opts);
}

/** Continue an interrupted broadcast from its last saved point. */
export async function resumeBroadcast(
  deps: Deps,
  id: string,
  opts: FanOutOptions = {},
): Promise<BroadcastSummary> {
  const record = await getBroadcast(deps.redis, deps.keys, id);
  if (!record) throw new HeraldError("not_found", `no broadcast ${id}`);
  return runFanOut(deps, record, opts);
}

async function runFanOut(
  deps: Deps,
  record: StoredBroadcast,
  opts: FanOutOptions,
): Promise<BroadcastSummary> {
  const { redis, keys, config, log } = deps;
  const id = record.id;
  const lockKey = keys.broadcastLock(id);
  const owner = randomUUID();
  if ((await redis.set(lockKey, owner, "PX", LOCK_TTL_MS, "NX")) !== "OK") {
    throw new HeraldError("conflict", `broadcast ${id} is already being sent`);
  }
  // A finished broadcast sent again walks everything again (all duplicates); an interrupted one resumes.
  const startCursor = record.status === "running" || record.status === "interrupted" ? record.cursor : "0";
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  let processed = startCursor === "0" ? 0 : record.processed;
  const counts = {
    targeted: record.targeted,
    stored: record.stored,
    created: record.created,
    duplicates: record.duplicates,
    failed: record.failed,
  };
  let estimatedTotal = record.estimatedTotal;
  const message = JSON.parse(record.payload) as StoredMessage;
  const batchSize = opts.batchSize ?? config.HERALD_FANOUT_BATCH;
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const debug = log.isLevelEnabled("debug");

  await updateBroadcast(redis, keys, id, { status: "running", startedAt, finishedAt: "" });
  opts.emitters?.admins
    .to(ADMIN_ALL_ROOM)
    .emit("broadcast:started", toSummary({ ...toPublic(record), status: "running" }));

  const progress = (status: BroadcastProgress["status"]): BroadcastProgress => {
    const secs = (performance.now() - t0) / 1000;
    return {
      id,
      status,
      processed,
      estimatedTotal: Math.max(estimatedTotal, processed),
      ...counts,
      rate: secs > 0 ? Math.round(processed / secs) : 0,
    };
  };
  let lastProgress = 0;
  const reportProgress = (force = false) => {
    const now = performance.now();
    if (!force && now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    const p = progress("running");
    opts.onProgress?.(p);
    opts.emitters?.admins.to([ADMIN_ALL_ROOM, broadcastRoom(id)]).emit("broadcast:progress", p);
  };

  const estimating =
    opts.estimate === false || record.target.type === "all"
      ? Promise.resolve()
      : estimateTarget(deps, record.target)
          .then(async (n) => {
            estimatedTotal = n;
            await updateBroadcast(redis, keys, id, { estimatedTotal: n });
          })
          .catch((err) => log.warn({ broadcastId: id, err: String(err) }, "could not estimate the target"));
  const extrapolate = opts.estimate !== false && record.target.type === "all";

  const recordArgs = keys.deliveryScriptKeys(id, ["stored", "duplicate", "failed", "delivered", "seen"]);

  // Live first: online users see the message now, not when the walk reaches their session
  // (a walk of 100,000 sessions takes a couple of seconds). Their receipts may then come
  // before their record: mark-deliveries.lua keeps them and record-deliveries.lua applies them.
  // Clients merge by id, so a re-send or a resume that pushes again shows nothing twice.
  if (opts.emitters) pushLive(opts.emitters, record.target, message);

  const ttl = config.HERALD_MESSAGE_TTL_SECONDS;
  const fanOut = async (entries: TargetEntry[]): Promise<{ codes: string; reasons: string[] }> => {
    const keyArgs: string[] = [];
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
    // One retry, then the batch's sessions fail with the reason; the broadcast goes on.
    let err: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const [codes = "", ...wrongTypes] = await redis.heraldFanout(
          keyArgs.length,
          ...keyArgs,
          record.payload,
          ttl,
          kinds,
        );
        return { codes, reasons: wrongTypes.map((t) => `messages key holds a ${t}, not a list`) };
      } catch (e) {
        err ??= e;
      }
    }
    const reason = err instanceof Error ? err.message.slice(0, 200) : "error";
    return { codes: "E".repeat(entries.length), reasons: entries.map(() => reason) };
  };

  // At most `concurrency` fan-out calls in flight; a batch gives its slot back once its record
  // call is sent, so that call goes ahead of the next fan-outs and few calls ever wait in Redis.
  const slots = semaphore(concurrency);
  // The walk over every session (target `all`) lasts seconds on a large keyspace: its batches
  // push again to what they store. A list of named or online sessions is short, and its
  // sockets had the first push.
  const walkPass: BatchPass = { walked: true, push: record.target.type === "all" };
  const processBatch = async (entries: TargetEntry[], pass: BatchPass) => {
    const release = await slots.acquire();
    try {
      await storeAndRecord(entries, release, pass);
    } finally {
      release();
    }
  };
  const storeAndRecord = async (entries: TargetEntry[], release: () => void, pass: BatchPass) => {
    const { codes, reasons: failures } = await fanOut(entries);
    // record-deliveries.lua's arguments: timestamp, one status letter per session, the ids,
    // then the reasons of the failed ones.
    let statuses = "";
    const ids: string[] = [];
    const reasons: string[] = [];
    const rooms: string[] = [];
    let nextFailure = 0;
    for (let i = 0; i < entries.length; i++) {
      const c = codes[i] ?? "E";
      // Not a session of this walk: its other key is handled elsewhere, or it vanished.
      if (c === "X" || c === "G") continue;
      const sid = entries[i]!.id;
      ids.push(sid);
      if (c === "C" || c === "S") {
        statuses += c === "C" ? "c" : "s";
        if (pass.push) rooms.push(sessionRoom(sid));
      } else if (c === "D") {
        statuses += "d";
      } else {
        statuses += "f";
        reasons.push(c === "N" ? "no such session" : (failures[nextFailure++] ?? "unknown error"));
      }
      if (debug) log.debug({ broadcastId: id, sessionId: sid, code: c }, "fan-out session");
    }
    if (ids.length > 0) {
      const recording = redis.heraldRecordDeliveries(
        recordArgs.length,
        ...recordArgs,
        new Date().toISOString(),
        statuses,
        ...ids,
        ...reasons,
      );
      release();
      const [, stored, created, duplicates, failed] = await recording;
      counts.stored += stored ?? 0;
      counts.created += created ?? 0;
      counts.duplicates += duplicates ?? 0;
      counts.failed += failed ?? 0;
      counts.targeted += (stored ?? 0) + (duplicates ?? 0) + (failed ?? 0);
    }
    // Sockets that connected after the first push, once their session holds the message (their
    // history fetch may have come before it). The online ones are stored first, so the walk finds
    // them as duplicates and pushes them nothing twice; clients merge by id anyway.
    if (rooms.length > 0) opts.emitters?.users.to(rooms).emit("message", message);
    if (pass.walked) processed += ids.length;
    reportProgress();
  };

  // Batches are taken on while SCAN reads ahead (the slots above pace the fan-out calls); the
  // resume cursor only moves past a page once every batch of it (and of the pages before) is done.
  const inFlight = new Set<Promise<void>>();
  let saving: Promise<unknown> = Promise.resolve();
  let firstError: unknown;
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    p.catch((err) => {
      firstError ??= err;
    }).finally(() => inFlight.delete(p));
    return p;
  };
  const lockTimer = setInterval(() => {
    redis.pexpire(lockKey, LOCK_TTL_MS).catch(() => {});
  }, LOCK_TTL_MS / 3);

  try {
    // Online first (target `all`): these sessions have the push already, so their records are
    // written before the walk and their receipts count at once, not when the walk reaches them
    // (seconds, on a large keyspace). The walk finds them again and its duplicate check stores
    // nothing twice; progress counts the walk only.
    if (record.target.type === "all") {
      for (let offset = 0; !firstError; offset += ONLINE_PAGE) {
        const ids = await onlinePage(redis, keys, offset, ONLINE_PAGE);
        const entries = ids.map((sid) => ({ id: sid, kind: "o" as const }));
        const batches: Promise<void>[] = [];
        for (let i = 0; i < entries.length; i += batchSize)
          batches.push(track(processBatch(entries.slice(i, i + batchSize), ONLINE_PASS)));
        await Promise.all(batches);
        if (ids.length < ONLINE_PAGE) break;
      }
    }
    for await (const page of readAhead(targetPages(deps, record.target, startCursor), READ_AHEAD_PAGES)) {
      if (firstError) break;
      const batches: Promise<void>[] = [];
      // Equal slices (a page of 850 entries makes 4 batches of 213, not 250+250+250+100).
      const n = page.entries.length;
      const size = Math.ceil(n / Math.ceil(n / batchSize));
      for (let i = 0; i < n; i += size) {
        while (inFlight.size >= concurrency * BATCHES_PER_SLOT) await Promise.race(inFlight);
        if (firstError) break;
        batches.push(track(processBatch(page.entries.slice(i, i + size), walkPass)));
      }
      const done = Promise.all(batches);
      const { cursor, walked } = page;
      saving = saving
        .then(() => done)
        .then(() => {
          // Sessions so far over the share of the keyspace walked (SCAN's cursor tells it).
          if (extrapolate && walked && walked > 0 && walked < 1) {
            estimatedTotal = Math.round(processed / walked);
          }
          return updateBroadcast(redis, keys, id, { cursor, processed, estimatedTotal });
        });
      saving.catch(() => {});
    }
    await Promise.allSettled(inFlight);
    await saving;
    if (firstError) throw firstError;
    await estimating;

    const status =
      counts.failed === 0 ? "completed" : counts.stored + counts.duplicates > 0 ? "partial" : "failed";
    const finishedAt = new Date().toISOString();
    await updateBroadcast(redis, keys, id, {
      status,
      finishedAt,
      cursor: "0",
      processed,
      // The walk is over: the number of sessions it reached (each recorded once) is exact.
      estimatedTotal: counts.targeted,
    });
    // Every record is written: receipts still kept early belong to no stored session (the hash
    // also expires by itself, so a failure here changes nothing).
    await redis.del(keys.earlyReceipts(id)).catch(() => {});
    const final = await getBroadcast(redis, keys, id);
    const summary = toSummary(final ? toPublic(final) : { ...toPublic(record), ...counts, status });
    estimatedTotal = counts.targeted;
    reportProgress(true);
    opts.emitters?.admins.to([ADMIN_ALL_ROOM, broadcastRoom(id)]).emit("broadcast:finished", summary);
    const ms = Math.round(performance.now() - t0);
    log.info(
      { broadcastId: id, author: record.author, ...counts, processed, ms, status },
      `Broadcast message stored in shared Redis for ${summary.stored} active sessions`,
    );
    return summary;
  } catch (err) {
    await Promise.allSettled(inFlight);
    await updateBroadcast(redis, keys, id, { status: "interrupted", processed }).catch(() => {});
    log.error(
      { broadcastId: id, err: err instanceof Error ? err.message : String(err) },
      "broadcast interrupted",
    );
    opts.emitters?.admins
      .to([ADMIN_ALL_ROOM, broadcastRoom(id)])
      .emit("broadcast:finished", { id, status: "interrupted", ...counts });
    throw err;
  } finally {
    clearInterval(lockTimer);
    // Release only our own lock.
    const current = await redis.get(lockKey).catch(() => null);
    if (current === owner) await redis.del(lockKey).catch(() => {});
  }
}

/** Push the message to the target's connected sessions, on every Herald instance. */
function pushLive(emitters: Emitters, target: Target, message: StoredMessage): void {
  if (target.type === "sessions") {
    // Rooms of sessions with no socket cost nothing; bounded by the request's size.
    const rooms = target.ids.map(sessionRoom);
    for (let i = 0; i < rooms.length; i += 1000)
      emitters.users.to(rooms.slice(i, i + 1000)).emit("message", message);
  } else {
    // `all` and `online` both mean every connected session (a socket is what makes one online).
    emitters.users.emit("message", message);
  }
}

/** The target, page by page, each page with the cursor to resume after it. */
async function* targetPages(deps: Deps, target: Target, startCursor: string): AsyncGenerator<TargetPage> {
  const { redis, keys, config } = deps;
  if (target.type === "sessions") {
    const step = 1000;
    for (let i = Number(startCursor) || 0; i < target.ids.length; i += step) {
      const ids = [...new Set(target.ids.slice(i, i + step))];
      yield { entries: ids.map((id) => ({ id, kind: "e" as const })), cursor: String(i + step) };
    }
    return;
  }
  if (target.type === "online") {
    // The online set changes while we walk it; a resume starts over (the duplicate check makes that safe).
    const step = 1000;
    for (let offset = 0; ; offset += step) {
      const ids = await onlinePage(redis, keys, offset, step);
      yield { entries: ids.map((id) => ({ id, kind: "e" as const })), cursor: "0" };
      if (ids.length < step) return;
    }
  }
  for await (const page of scanSessionKeys(redis, keys, {
    cursor: startCursor,
    count: config.HERALD_SCAN_COUNT,
  })) {
    yield {
      entries: page.found.map((f) => ({ id: f.id, kind: f.kind === "data" ? "d" : "m" })),
      cursor: page.cursor,
      walked: scanWalked(page.cursor),
    };
  }
}

/** How many sessions a target holds (for the progress bar). */
export async function estimateTarget(deps: Deps, target: Target): Promise<number> {
  const { redis, keys, config } = deps;
  if (target.type === "sessions") return new Set(target.ids).size;
  if (target.type === "online") return redis.zcount(keys.presence(), `(${Date.now()}`, "+inf");
  let n = 0;
  for await (const page of uniqueSessions(redis, keys, { count: config.HERALD_SCAN_COUNT }))
    n += page.sessions.length;
  return n;
}

/**
 * Share of the keyspace a SCAN walk has covered when it returned `cursor`. Redis walks its
 * hash table in reverse-binary order, so the cursor read with its bits reversed counts the
 * buckets done: bit i of the cursor weighs 2^-(i+1), whatever the table's size.
 */
function scanWalked(cursor: string): number {
  let c = BigInt(cursor);
  if (c === 0n) return 1;
  let share = 0;
  for (let weight = 0.5; c > 0n; weight /= 2, c >>= 1n) if (c & 1n) share += weight;
  return share;
}

/**
 * Pull up to `depth` items ahead of the consumer: the next SCAN is on its way while the
 * batches of the current page are written.
 */
async function* readAhead<T>(source: AsyncGenerator<T>, depth: number): AsyncGenerator<T> {
  const queue: Promise<IteratorResult<T>>[] = [];
  try {
    for (;;) {
      while (queue.length < depth) queue.push(source.next());
      const next = await queue.shift()!;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Stopped early: pages still being read are dropped (a failure there is not news any more).
    for (const p of queue) p.catch(() => {});
    await source.return(undefined).catch(() => {});
  }
}

/** A counting semaphore: `acquire` resolves with a release function (calling it twice is harmless). */
function semaphore(size: number) {
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
