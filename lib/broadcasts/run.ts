import { hostname } from "node:os";
import type { Deps } from "../context";
import { HeraldError } from "../errors";
import { observeBroadcast } from "../metrics";
import type { Emitters } from "../realtime/emitter";
import { ADMIN_ALL_ROOM, type BroadcastProgress } from "../realtime/events";
import { broadcastRoom, sessionRoom } from "../redis/keys";
import {
  BROADCAST_STATUSES,
  type BroadcastStatus,
  type BroadcastSummary,
  type Target,
} from "../schemas/broadcast";
import type { StoredMessage } from "../schemas/message";
import { onlinePage } from "../sessions/presence";
import { marksOf, recordBatch, semaphore, storeBatch } from "./batch";
import { createProgress, type Progress } from "./progress";
import {
  getBroadcast,
  type StoredBroadcast,
  toPublic,
  toSummary,
  transition,
  updateBroadcast,
} from "./store";
import {
  estimateTarget,
  FROM_START,
  type ResumePoint,
  readAhead,
  type TargetEntry,
  targetPages,
  WalkRestarted,
} from "./walk";

/**
 * One run of a broadcast: what a job does (lib/broadcasts/jobs.ts), in named steps. Push it
 * live, store it in the online sessions, walk every target session storing and recording in
 * batches, save the resume point as pages complete, then settle the status. Running it again
 * (a retry, a resume, a re-send) stores nothing twice and counts nothing twice.
 */

export interface RunOptions {
  /** Live pushes and admin progress; omitted in tests that only look at Redis. */
  emitters?: Emitters;
  /** Called as batches finish (in-process progress bar). */
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
  /** Aborted when this run must stop between batches (its job lock was lost, or it was cancelled). */
  signal?: AbortSignal;
  /**
   * Find duplicates by searching each list (as broadcasts created before marks do) even when the
   * broadcast has marks: the bench's before/after. A run with it leaves long lists unmarked, so a
   * later run of the same broadcast with marks could store twice in them: never mix the two.
   */
  searchLists?: boolean;
}

/** SCAN pages fetched ahead of the writes, so Redis never waits for the next page (bounded memory). */
const READ_AHEAD_PAGES = 2;
/** Measured (docs/BENCHMARKS.md): 2 keeps Redis busy; more only lengthens other clients' waits. */
const DEFAULT_CONCURRENCY = 2;
/** Batches taken on per fan-out slot: their record calls and pushes overlap the next fan-outs. */
const BATCHES_PER_SLOT = 4;
/** Online sessions read per presence page in the online-first pass. */
const ONLINE_PAGE = 1000;
/** Statuses whose run stopped part-way: the next run continues from the saved point. */
const RESUMABLE: readonly BroadcastStatus[] = ["running", "interrupted"];
/** Statuses a run may start from (a finished one runs again on a re-send); never cancelled or retracted. */
const RUNNABLE: readonly BroadcastStatus[] = BROADCAST_STATUSES.filter(
  (st) => st !== "cancelled" && st !== "retracted",
);
/** How often a run looks whether it was cancelled or retracted (it then stops between batches). */
const STOP_CHECK_MS = 250;

/** The run stopped because the broadcast was cancelled or retracted: not a failure, not retried. */
export class RunStopped extends Error {
  override name = "RunStopped";
  constructor(readonly status: BroadcastStatus) {
    super(`broadcast ${status}`);
  }
}

/** Which process runs a broadcast (host and pid), shown in its record for operators. */
const RUNNER = `${hostname()}:${process.pid}`;

/** A broadcast that can never run (unknown id, unreadable target): its job must not be retried. */
export class UnrunnableBroadcast extends HeraldError {}

/** Run (or resume) the broadcast `id` to its end in this process. */
export async function runBroadcast(deps: Deps, id: string, opts: RunOptions = {}): Promise<BroadcastSummary> {
  const record = await getBroadcast(deps.redis, deps.keys, id);
  if (!record) throw new UnrunnableBroadcast("not_found", `no broadcast ${id}`);
  if (!RUNNABLE.includes(record.status)) return toSummary(toPublic(record));
  const target = record.target;
  if (!target) {
    await updateBroadcast(deps.redis, deps.keys, id, {
      status: "failed",
      error: "its stored target cannot be read",
    });
    throw new UnrunnableBroadcast("internal", `broadcast ${id}: its stored target cannot be read`);
  }
  const resuming = RESUMABLE.includes(record.status);
  const from: ResumePoint = resuming ? { cursor: record.cursor, runId: record.cursorRunId } : FROM_START;
  const progress = createProgress(
    id,
    { ...record, processed: from.cursor === "0" ? 0 : record.processed },
    { emitters: opts.emitters, onProgress: opts.onProgress },
  );
  const message = JSON.parse(record.payload) as StoredMessage;

  // Cancelled or retracted between the read above and now: nothing to run.
  if (!(await markRunning(deps, record, opts.emitters))) {
    const now = await getBroadcast(deps.redis, deps.keys, id);
    return toSummary(toPublic(now ?? record));
  }
  const stop = watchForStop(deps, id, opts.signal);
  try {
    // Live first: online users see the message now, not when the walk reaches their session.
    // Their receipts may then come before their record: mark-deliveries.lua keeps them and
    // record-deliveries.lua applies them. Clients merge by id, so a resume shows nothing twice.
    if (opts.emitters) pushLive(opts.emitters, target, message);
    const estimating = estimate(deps, record, target, progress, opts);
    const batches = batchRunner(deps, record, message, progress, { ...opts, signal: stop.signal });
    if (target.type === "all") await storeOnlineFirst(deps, batches);
    await walkTarget(deps, record, target, from, batches, progress, opts);
    await estimating;
    return await finish(deps, record, progress, opts.emitters);
  } catch (err) {
    const stoppedAs = err instanceof RunStopped ? err.status : stop.stoppedAs();
    if (stoppedAs) return stopped(deps, record, progress, stoppedAs, opts.emitters);
    await interrupted(deps, record, progress, err, opts.emitters);
    throw err;
  } finally {
    stop.close();
  }
}

/**
 * Look every 250 ms whether the broadcast was cancelled or retracted (by any instance): then
 * abort, so the run stops between batches. Also aborts with the caller's signal (lock lost).
 */
function watchForStop(deps: Deps, id: string, outer?: AbortSignal) {
  const controller = new AbortController();
  let stoppedAs: BroadcastStatus | undefined;
  const check = async () => {
    const status = (await deps.redis
      .hget(deps.keys.broadcast(id), "status")
      .catch(() => null)) as BroadcastStatus | null;
    if (status === "cancelled" || status === "retracted") {
      stoppedAs = status;
      controller.abort(new RunStopped(status));
    }
  };
  const timer = setInterval(() => void check(), STOP_CHECK_MS);
  timer.unref();
  const onOuter = () => controller.abort(outer?.reason ?? new Error("run stopped"));
  outer?.addEventListener("abort", onOuter, { once: true });
  if (outer?.aborted) onOuter();
  return {
    signal: controller.signal,
    stoppedAs: () => stoppedAs,
    close() {
      clearInterval(timer);
      outer?.removeEventListener("abort", onOuter);
    },
  };
}

/** Cancelled or retracted mid-run: what was stored stays, the record says how far it got. */
async function stopped(
  deps: Deps,
  record: StoredBroadcast,
  progress: Progress,
  status: BroadcastStatus,
  emitters?: Emitters,
): Promise<BroadcastSummary> {
  const { redis, keys, log } = deps;
  await updateBroadcast(redis, keys, record.id, { processed: progress.processed });
  const final = await getBroadcast(redis, keys, record.id);
  const summary = toSummary(final ? toPublic(final) : { ...toPublic(record), ...progress.counts, status });
  log.info(
    { broadcastId: record.id, ...summary, processed: progress.processed },
    `broadcast ${status} mid-run`,
  );
  emitters?.admins.to([ADMIN_ALL_ROOM, broadcastRoom(record.id)]).emit("broadcast:finished", summary);
  return summary;
}

async function markRunning(deps: Deps, record: StoredBroadcast, emitters?: Emitters): Promise<boolean> {
  const { moved } = await transition(deps.redis, deps.keys, record.id, "running", RUNNABLE, {
    startedAt: new Date().toISOString(),
    finishedAt: "",
    error: "",
    runner: RUNNER,
  });
  if (!moved) return false;
  emitters?.admins
    .to(ADMIN_ALL_ROOM)
    .emit("broadcast:started", toSummary({ ...toPublic(record), status: "running" }));
  return true;
}

/** Count the target first (named and online ones; `all` is extrapolated from the walk instead). */
function estimate(
  deps: Deps,
  record: StoredBroadcast,
  target: Target,
  progress: Progress,
  opts: RunOptions,
): Promise<void> {
  if (opts.estimate === false || target.type === "all") return Promise.resolve();
  return estimateTarget(deps, target)
    .then(async (n) => {
      progress.estimate(n);
      await updateBroadcast(deps.redis, deps.keys, record.id, { estimatedTotal: n });
    })
    .catch((err) =>
      deps.log.warn({ broadcastId: record.id, err: String(err) }, "could not estimate the target"),
    );
}

/** What a batch counts for: the walk's progress, and a second push to the sessions it stored. */
interface BatchPass {
  walked: boolean;
  push: boolean;
}

/**
 * Store and record batches, at most `concurrency` fan-out calls in flight; a batch gives its slot
 * back once its record call is sent, so that call goes ahead of the next fan-outs. The first
 * failure stops the taking of new batches; `drain` waits for those in flight and rethrows it.
 */
function batchRunner(
  deps: Deps,
  record: StoredBroadcast,
  message: StoredMessage,
  progress: Progress,
  opts: RunOptions,
) {
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const batchSize = opts.batchSize ?? deps.config.HERALD_FANOUT_BATCH;
  const slots = semaphore(concurrency);
  const marks = opts.searchLists ? null : marksOf(deps, record);
  const inFlight = new Set<Promise<void>>();
  let firstError: unknown;
  const debug = deps.log.isLevelEnabled("debug")
    ? (sessionId: string, code: string) =>
        deps.log.debug({ broadcastId: record.id, sessionId, code }, "fan-out session")
    : undefined;

  const run = async (entries: TargetEntry[], pass: BatchPass) => {
    const release = await slots.acquire();
    try {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error("run stopped");
      const stored = await storeBatch(deps, entries, record.payload, marks);
      const outcome = recordBatch(deps, record.id, entries, stored, debug);
      release();
      progress.add(await outcome.recorded);
      // Sockets that connected after the first push, once their session holds the message.
      if (pass.push && outcome.storedRooms.length > 0)
        opts.emitters?.users.to(outcome.storedRooms).emit("message", message);
      if (pass.walked) progress.walked(outcome.sessions);
      progress.report();
      // A long list in a cluster slot being moved could not be written with its mark (fanout.lua
      // 'T'); the rest of the batch is recorded above. The run stops here and is taken up again
      // later, from before this page, once the move is over (docs/JOBS.md).
      if (outcome.deferred > 0)
        throw new Error(
          `${outcome.deferred} long message list(s) in a cluster slot being moved; the broadcast goes on when the move ends`,
        );
    } finally {
      release();
    }
  };

  const track = (p: Promise<void>) => {
    inFlight.add(p);
    p.catch((err) => {
      firstError ??= err;
    }).finally(() => inFlight.delete(p));
    return p;
  };

  return {
    batchSize,
    get failed() {
      return firstError !== undefined;
    },
    /** Take on a batch; waits while too many are in flight. `done` settles when the batch does. */
    async add(entries: TargetEntry[], pass: BatchPass): Promise<{ done: Promise<void> }> {
      while (inFlight.size >= concurrency * BATCHES_PER_SLOT) await Promise.race(inFlight).catch(() => {});
      return { done: track(run(entries, pass)) };
    },
    async drain(): Promise<void> {
      await Promise.allSettled([...inFlight]);
      if (firstError !== undefined) throw firstError;
    },
  };
}
type Batches = ReturnType<typeof batchRunner>;

/**
 * Online first (target `all`): these sessions have the push already, so their records are written
 * before the walk and their receipts count at once. The walk finds them again and its duplicate
 * check stores nothing twice; progress counts the walk only.
 */
async function storeOnlineFirst(deps: Deps, batches: Batches): Promise<void> {
  const pass = { walked: false, push: false };
  for (let offset = 0; !batches.failed; offset += ONLINE_PAGE) {
    const ids = await onlinePage(deps.redis, deps.keys, offset, ONLINE_PAGE);
    const entries = ids.map((sid) => ({ id: sid, kind: "o" as const }));
    const taken: Promise<void>[] = [];
    for (let i = 0; i < entries.length; i += batches.batchSize)
      taken.push((await batches.add(entries.slice(i, i + batches.batchSize), pass)).done);
    await Promise.allSettled(taken);
    if (ids.length < ONLINE_PAGE) break;
  }
  await batches.drain();
}

/**
 * The walk: batches are taken on while SCAN reads ahead; the resume point only moves past a page
 * once every batch of it (and of the pages before) is done. When the Redis process changed
 * under a saved cursor (restart, failover), the walk starts over from the beginning.
 */
async function walkTarget(
  deps: Deps,
  record: StoredBroadcast,
  target: Target,
  from: ResumePoint,
  batches: Batches,
  progress: Progress,
  opts: RunOptions,
): Promise<void> {
  const extrapolate = opts.estimate !== false && target.type === "all";
  // The walk over every session (target `all`) lasts seconds on a large keyspace: its batches
  // push again to what they store. A list of named or online sessions is short, and its
  // sockets had the first push.
  const pass = { walked: true, push: target.type === "all" };
  let start = from;
  for (;;) {
    let saving: Promise<unknown> = Promise.resolve();
    try {
      for await (const page of readAhead(targetPages(deps, target, start), READ_AHEAD_PAGES)) {
        if (batches.failed) break;
        const taken: Promise<void>[] = [];
        // Equal slices (a page of 850 entries makes 4 batches of 213, not 250+250+250+100).
        const n = page.entries.length;
        const size = Math.ceil(n / Math.ceil(n / batches.batchSize));
        for (let i = 0; i < n && !batches.failed; i += size)
          taken.push((await batches.add(page.entries.slice(i, i + size), pass)).done);
        const done = Promise.all(taken);
        // Handled here too: once an earlier page failed, `saving` never reaches this one's `done`
        // (the failure itself is rethrown by drain()).
        done.catch(() => {});
        saving = saving
          .then(() => done)
          .then(() => {
            // Sessions so far over the share of the keyspace walked (SCAN's cursor tells it).
            if (extrapolate && page.walked && page.walked > 0 && page.walked < 1)
              progress.estimate(Math.round(progress.processed / page.walked));
            return updateBroadcast(deps.redis, deps.keys, record.id, {
              cursor: page.cursor,
              cursorRunId: page.runId,
              processed: progress.processed,
              estimatedTotal: progress.estimatedTotal,
            });
          });
        saving.catch(() => {});
      }
      await batches.drain();
      await saving;
      return;
    } catch (err) {
      if (!(err instanceof WalkRestarted)) throw err;
      await batches.drain();
      await saving.catch(() => {});
      deps.log.warn({ broadcastId: record.id, reason: err.message }, "walking again from the start");
      progress.restartWalk();
      start = FROM_START;
    }
  }
}

/** The walk is over: settle the status from the recorded counts (exact, whatever was retried). */
async function finish(
  deps: Deps,
  record: StoredBroadcast,
  progress: Progress,
  emitters?: Emitters,
): Promise<BroadcastSummary> {
  const { redis, keys, log } = deps;
  const id = record.id;
  const [targeted, stored, duplicates, failed] = (
    await redis.hmget(keys.broadcast(id), "targeted", "stored", "duplicates", "failed")
  ).map((v) => Number(v) || 0) as [number, number, number, number];
  const status: BroadcastStatus = failed === 0 ? "completed" : stored + duplicates > 0 ? "partial" : "failed";
  // Cancelled or retracted as the last batch finished: that word stands.
  // ("interrupted" too: a stalled-job notice about an earlier, dead run may land during this one.)
  const settled = await transition(redis, keys, id, status, ["running", "interrupted"], {
    finishedAt: new Date().toISOString(),
    cursor: "0",
    cursorRunId: "",
    processed: progress.processed,
    // The walk is over: the number of sessions it reached (each recorded once) is exact.
    estimatedTotal: targeted,
  });
  if (!settled.moved) return stopped(deps, record, progress, settled.previous || status, emitters);
  // Every record is written: receipts still kept early belong to no stored session (the hash
  // also expires by itself, so a failure here changes nothing).
  await redis.del(keys.earlyReceipts(id)).catch(() => {});
  const final = await getBroadcast(redis, keys, id);
  const summary = toSummary(final ? toPublic(final) : { ...toPublic(record), ...progress.counts, status });
  progress.estimate(targeted);
  progress.report(true);
  await observeRun(deps, id, summary, progress.elapsedMs() / 1000);
  emitters?.admins.to([ADMIN_ALL_ROOM, broadcastRoom(id)]).emit("broadcast:finished", summary);
  log.info(
    {
      broadcastId: id,
      author: record.author,
      ...summary,
      processed: progress.processed,
      ms: Math.round(progress.elapsedMs()),
    },
    `Broadcast message stored in shared Redis for ${summary.stored} active sessions`,
  );
  return summary;
}

/** Hash fields holding what the metrics were told of a broadcast's sessions (read by any instance). */
const OBSERVED = {
  stored: "observedStored",
  duplicates: "observedDuplicates",
  failed: "observedFailed",
} as const;
const OUTCOMES = ["stored", "duplicates", "failed"] as const;

/**
 * Report a finished run to the metrics. The broadcast's counts are totals over all its runs, so
 * each session's outcome is reported once: what earlier runs reported (a re-send reads the same
 * totals again) is subtracted, and what a dead run never reported (a resume) is included.
 */
async function observeRun(deps: Deps, id: string, summary: BroadcastSummary, seconds: number): Promise<void> {
  const key = deps.keys.broadcast(id);
  const delta = { stored: 0, duplicates: 0, failed: 0 };
  try {
    const seen = await deps.redis.hmget(key, ...OUTCOMES.map((o) => OBSERVED[o]));
    const told: Record<string, number> = {};
    OUTCOMES.forEach((o, i) => {
      const before = Number(seen[i]) || 0;
      delta[o] = Math.max(0, summary[o] - before);
      told[OBSERVED[o]] = Math.max(before, summary[o]);
    });
    await deps.redis.hset(key, told);
  } catch (err) {
    // The run itself is done; only its session counts go unreported.
    deps.log.warn({ broadcastId: id, err: String(err) }, "broadcast session counts not reported to metrics");
  }
  observeBroadcast({ status: summary.status, ...delta }, seconds);
}

/** The run stopped part-way: say so (a worker takes it up again; the duplicate check keeps it exact). */
async function interrupted(
  deps: Deps,
  record: StoredBroadcast,
  progress: Progress,
  err: unknown,
  emitters?: Emitters,
): Promise<void> {
  const id = record.id;
  const reason = err instanceof Error ? err.message : String(err);
  await transition(deps.redis, deps.keys, id, "interrupted", ["running"], {
    processed: progress.processed,
    error: reason.slice(0, 300),
  }).catch(() => {});
  deps.log.warn({ broadcastId: id, err: reason }, "broadcast interrupted");
  emitters?.admins
    .to([ADMIN_ALL_ROOM, broadcastRoom(id)])
    .emit("broadcast:finished", { id, status: "interrupted", ...progress.counts });
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
