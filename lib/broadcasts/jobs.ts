import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Deps } from "../context";
import { JOB_STATES, type JobCounts } from "../metrics";
import type { Emitters } from "../realtime/emitter";
import { createRedis, type HeraldRedis } from "../redis/connection";
import { keyedPipeline } from "../redis/pipeline";
import { FINISHED_STATUSES } from "../schemas/broadcast";
import { retractBroadcast, runRetract } from "./lifecycle";
import { runBroadcast, UnrunnableBroadcast } from "./run";
import { getBroadcast, transition, updateBroadcast } from "./store";

/**
 * Broadcasts run as BullMQ jobs: any Herald instance's worker may run one, a worker that dies
 * mid-run leaves a job whose lock expires, and the stalled-job check of any live worker puts it
 * back in the queue by itself; the next run resumes from the saved point. A run that fails
 * because Redis was unreachable is retried with a capped backoff. One job per broadcast (its id
 * is the job id), so a broadcast never runs twice at once.
 */

export const QUEUE_NAME = "broadcasts";

/** What a job does: send the broadcast, retract it (by hand), or retract it at its expiresAt. */
export type JobKind = "broadcast" | "retract" | "expire";

export interface BroadcastJobData {
  broadcastId: string;
}

/** One job of each kind per broadcast. BullMQ refuses custom ids that look like integers ("123"). */
export const jobIdOf = (broadcastId: string, kind: JobKind = "broadcast") =>
  `${kind === "broadcast" ? "bc" : kind === "retract" ? "rt" : "ex"}-${broadcastId}`;

/** Retry delay after a failed run: 1 s, 2 s, 4 s … at most 30 s (Redis restarts take seconds). */
export const retryDelayMs = (attemptsMade: number) =>
  Math.min(1000 * 2 ** Math.max(0, attemptsMade - 1), 30_000);

const QUEUE = Symbol.for("herald.jobs.queue");
type Holder = { [QUEUE]?: Queue<BroadcastJobData> };

/** The process-wide producer side of the queue (lazy: `next build` opens nothing). */
export function getBroadcastQueue(deps: Deps): Queue<BroadcastJobData> {
  const g = globalThis as Holder;
  // Commands with a deadline, like every route's: a stalled Redis makes a send answer 503, not hang.
  g[QUEUE] ??= new Queue<BroadcastJobData>(QUEUE_NAME, {
    connection: createRedis("queue"),
    prefix: deps.keys.jobQueuePrefix(),
  });
  return g[QUEUE];
}

export async function closeBroadcastQueue(): Promise<void> {
  const g = globalThis as Holder;
  const q = g[QUEUE];
  delete g[QUEUE];
  if (q) await q.close().catch(() => {});
}

/**
 * Make sure a job will run the broadcast: add it (a no-op when its job exists), and run a finished
 * job again (a re-send of a finished broadcast walks again: new sessions get it, failed ones are
 * retried, the rest are duplicates). Returns false when a run is already under way or waiting.
 */
export async function enqueueBroadcast(
  deps: Deps,
  broadcastId: string,
  opts: { kind?: JobKind; at?: string } = {},
): Promise<boolean> {
  const { config } = deps;
  const kind = opts.kind ?? "broadcast";
  // A scheduled send, or an expiry, is a delayed job: BullMQ moves it to the queue at its time.
  const delay = opts.at ? Math.max(0, Date.parse(opts.at) - Date.now()) : 0;
  const job = await getBroadcastQueue(deps).add(
    kind,
    { broadcastId },
    {
      jobId: jobIdOf(broadcastId, kind),
      delay,
      attempts: config.HERALD_JOB_ATTEMPTS,
      backoff: { type: "custom" },
      removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  );
  const state = await job.getState();
  if (state !== "completed" && state !== "failed") return state !== "unknown";
  try {
    await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  } catch (err) {
    // Another re-send moved it first: one run it is.
    deps.log.debug({ broadcastId, err: String(err) }, "job already moved back to the queue");
    return false;
  }
}

/** Take a job out of the queue if it has not started (a started one is stopped by its run's own checks). */
export async function removeJob(deps: Deps, broadcastId: string, kind: JobKind): Promise<void> {
  const job = await getBroadcastQueue(deps).getJob(jobIdOf(broadcastId, kind));
  await job?.remove().catch((err: unknown) => {
    deps.log.debug({ broadcastId, kind, err: String(err) }, "job not removed (it runs)");
  });
}

/** Live workers on the queue, on any instance (CLIENT LIST names them). */
export function countWorkers(deps: Deps): Promise<number> {
  return getBroadcastQueue(deps).getWorkersCount();
}

/** Jobs in the queue by state, whichever instance added them (`herald_jobs`). */
export function countJobs(deps: Deps): Promise<JobCounts> {
  return getBroadcastQueue(deps).getJobCounts(...JOB_STATES);
}

export interface WorkerHandle {
  worker: Worker<BroadcastJobData>;
  close(): Promise<void>;
}

/**
 * Run broadcast jobs in this process. Every server instance starts one; the CLI starts one for
 * the duration of a command when no server runs.
 */
export function startBroadcastWorker(
  deps: Deps,
  opts: { emitters?: Emitters; concurrency?: number } = {},
): WorkerHandle {
  const { config, log } = deps;
  // BullMQ's worker blocks on Redis and retries by itself: no command deadline on its connection.
  const connection: HeraldRedis = createRedis("worker", undefined, { blocking: true });
  const lockDuration = config.HERALD_JOB_LOCK_MS;
  const worker = new Worker<BroadcastJobData>(
    QUEUE_NAME,
    (job: Job<BroadcastJobData>, _token?: string, signal?: AbortSignal) =>
      processJob(deps, job, opts.emitters, signal),
    {
      connection,
      prefix: deps.keys.jobQueuePrefix(),
      concurrency: opts.concurrency ?? config.HERALD_WORKER_CONCURRENCY,
      lockDuration,
      // A dead worker's job is back in the queue within lockDuration + 2 x stalledInterval (the
      // check marks a job first and moves it the next time): about 1.7 x lockDuration.
      stalledInterval: Math.max(1000, Math.round(lockDuration / 3)),
      // Each crash of a run counts one stall; a broadcast is resumed however often that happens.
      maxStalledCount: 1000,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade) },
    },
  );
  worker.on("error", (err) => log.warn({ err: err.message }, "broadcast worker error"));
  worker.on("lockRenewalFailed", (jobIds) => {
    // Another worker may take the job over: stop this run between batches rather than race it.
    log.warn({ jobIds }, "lost the lock of a broadcast job: stopping its run here");
    for (const id of jobIds) worker.cancelJob(id, "the job's lock was lost");
  });
  worker.on("stalled", (jobId) => {
    log.warn({ jobId }, "a broadcast job stalled (its worker died): it runs again");
    void markStalled(deps, jobId);
  });
  worker.on("failed", (job, err) => {
    if (job?.name !== "broadcast") {
      if (job) log.warn({ broadcastId: job.data.broadcastId, job: job.name, err: err.message }, "job failed");
      return;
    }
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    log.warn(
      { broadcastId: job.data.broadcastId, attempt: job.attemptsMade, final, err: err.message },
      final ? "broadcast failed for good" : "broadcast run failed: retrying",
    );
    if (final) void markFailed(deps, job.data.broadcastId, err.message);
  });
  return {
    worker,
    async close() {
      await worker.close().catch((err) => log.warn({ err: String(err) }, "closing the broadcast worker"));
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}

async function processJob(deps: Deps, job: Job<BroadcastJobData>, emitters?: Emitters, signal?: AbortSignal) {
  const id = job.data?.broadcastId;
  if (typeof id !== "string" || id === "") throw new UnrecoverableError("job without a broadcast id");
  try {
    if (job.name === "retract") return await runRetract(deps, id, { emitters, signal });
    if (job.name === "expire") return await retractBroadcast(deps, id, "expiry", { emitters });
    return await runBroadcast(deps, id, { emitters, signal });
  } catch (err) {
    if (err instanceof UnrunnableBroadcast) throw new UnrecoverableError(err.message);
    throw err;
  }
}

/** A stalled job's broadcast says `interrupted` until a worker takes it up again. */
async function markStalled(deps: Deps, jobId: string): Promise<void> {
  if (!jobId.startsWith("bc-")) return;
  await transition(deps.redis, deps.keys, jobId.slice(3), "interrupted", ["running"]).catch(() => {});
}

async function markFailed(deps: Deps, id: string, reason: string): Promise<void> {
  const b = await getBroadcast(deps.redis, deps.keys, id).catch(() => null);
  if (!b || FINISHED_STATUSES.includes(b.status)) return;
  const status = b.stored + b.duplicates > 0 ? "partial" : "failed";
  await updateBroadcast(deps.redis, deps.keys, id, {
    status,
    error: reason.slice(0, 300),
    finishedAt: new Date().toISOString(),
  }).catch(() => {});
}

/** A `queued` record this old without a job was never answered 202: its request failed. */
const ORPHAN_AFTER_MS = 30_000;

/**
 * Settle unfinished broadcasts whose job is missing. One that ran (`running`, `interrupted`) was
 * accepted: it gets its job back and resumes. One still `queued` with no job after 30 s was never
 * accepted (its request died or timed out between the claim and the job): it ends `failed`,
 * rather than being sent behind its caller's back; sending its id again runs it. Looks at the
 * newest `scan` broadcasts only: older ones were settled before.
 */
export async function reconcileJobs(
  deps: Deps,
  scan = 500,
): Promise<{ resumed: string[]; orphaned: string[] }> {
  const { redis, keys } = deps;
  const ids = await redis.zrevrange(keys.broadcastIndex(), 0, scan - 1);
  const pipe = keyedPipeline(redis);
  for (const id of ids) pipe.hmget(keys.broadcast(id), "status", "createdAt");
  const rows = ((await pipe.exec()) ?? []).map(([, r]) => (r ?? []) as (string | null)[]);
  const resumed: string[] = [];
  const orphaned: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const [status, createdAt] = rows[i] ?? [];
    if (status !== "queued" && status !== "running" && status !== "interrupted") continue;
    const job = await getBroadcastQueue(deps).getJob(jobIdOf(id));
    const state = job ? await job.getState() : "unknown";
    if (state !== "unknown" && state !== "completed" && state !== "failed") continue;
    if (status !== "queued") {
      await enqueueBroadcast(deps, id);
      resumed.push(id);
    } else if (state === "unknown" && Date.now() - Date.parse(createdAt ?? "") > ORPHAN_AFTER_MS) {
      await updateBroadcast(redis, keys, id, {
        status: "failed",
        error: "never queued: the request that sent it failed; send it again with the same id to run it",
        finishedAt: new Date().toISOString(),
      });
      orphaned.push(id);
    }
  }
  return { resumed, orphaned };
}

/** Reconcile at start and then every minute, while this process runs a worker. */
export function reconcileEvery(deps: Deps, everyMs = 60_000): () => void {
  const once = () =>
    reconcileJobs(deps)
      .then(({ resumed, orphaned }) => {
        if (resumed.length > 0)
          deps.log.warn({ ids: resumed }, "unfinished broadcasts without a job: resumed");
        if (orphaned.length > 0) deps.log.warn({ ids: orphaned }, "broadcasts never queued: marked failed");
      })
      .catch((err) => deps.log.warn({ err: String(err) }, "could not check unfinished broadcasts"));
  void once();
  const timer = setInterval(once, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
