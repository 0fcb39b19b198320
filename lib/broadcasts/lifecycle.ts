import { recordAudit } from "../audit";
import type { Deps } from "../context";
import { HeraldError } from "../errors";
import type { Emitters } from "../realtime/emitter";
import { ADMIN_ALL_ROOM } from "../realtime/events";
import { clusterOf } from "../redis/connection";
import { broadcastRoom } from "../redis/keys";
import { keyedPipeline } from "../redis/pipeline";
import { groupBySlot, isRedirection } from "../redis/slots";
import { BROADCAST_STATUSES, type Broadcast, type BroadcastStatus } from "../schemas/broadcast";
import { scanSessionKeys } from "../sessions/discover";
import { enqueueBroadcast, getBroadcastQueue, jobIdOf, removeJob } from "./jobs";
import { UnrunnableBroadcast } from "./run";
import {
  getBroadcast,
  type StoredBroadcast,
  toPublic,
  toSummary,
  transition,
  updateBroadcast,
} from "./store";
import { readAhead, WalkRestarted } from "./walk";

/**
 * A broadcast's life after it is written: cancel (before or while it runs) and retract (take
 * its copy out of every session, by hand or at its expiresAt). Each is a status move decided
 * atomically (set-status.lua), audited, and carried out by jobs that resume after a crash.
 */

/** Statuses a cancel may stop. */
const CANCELLABLE: readonly BroadcastStatus[] = ["scheduled", "queued", "running", "interrupted"];
/** Every status but retracted may be retracted (a cancelled run may have stored copies). */
const RETRACTABLE: readonly BroadcastStatus[] = BROADCAST_STATUSES.filter((st) => st !== "retracted");
/** How long the chat page is told about a retraction (tabs that reconnect later drop it). */
const RETRACTED_MEMORY_MS = 30 * 24 * 3600 * 1000;
/** List keys per retract.lua call. */
const RETRACT_BATCH = 250;

/**
 * Stop a scheduled, queued or running broadcast. A job that has not started is removed; a
 * running one stops between batches (run.ts watches its status): what was stored stays, and
 * its counts say how far it got. Cancelling a cancelled one is a no-op; a finished one, 409.
 */
export async function cancelBroadcast(
  deps: Deps,
  id: string,
  actor: string,
  emitters?: Emitters,
): Promise<{ id: string; status: "cancelled" }> {
  const at = new Date().toISOString();
  const t = await transition(deps.redis, deps.keys, id, "cancelled", CANCELLABLE, {
    cancelledAt: at,
    cancelledBy: actor,
    finishedAt: at,
  });
  if (!t.moved) {
    if (t.previous === "") throw new HeraldError("not_found", "broadcast not found");
    if (t.previous === "cancelled") return { id, status: "cancelled" };
    throw new HeraldError("conflict", `broadcast ${id} is ${t.previous}: it can no longer be cancelled`);
  }
  await Promise.all([removeJob(deps, id, "broadcast"), removeJob(deps, id, "expire")]);
  await recordAudit(deps, {
    actor,
    action: "broadcast.cancelled",
    broadcastId: id,
    detail: `was ${t.previous}`,
  });
  await announce(deps, id, emitters);
  return { id, status: "cancelled" };
}

export interface RetractAnswer {
  id: string;
  status: "retracted";
  removed: number;
  retraction: "running" | "done";
}

/**
 * Retract: the broadcast becomes `retracted` at once (a run in progress stops between batches),
 * every connected chat page removes it live, and a job removes its copy from every session's
 * list. Retracting again answers how far that got.
 */
export async function retractBroadcast(
  deps: Deps,
  id: string,
  actor: string,
  opts: { emitters?: Emitters } = {},
): Promise<RetractAnswer> {
  const expiry = actor === "expiry";
  const t = await transition(deps.redis, deps.keys, id, "retracted", RETRACTABLE, {
    retractedAt: new Date().toISOString(),
    retractedBy: actor,
    retraction: "running",
    removed: 0,
  });
  if (!t.moved) {
    if (t.previous === "") throw new HeraldError("not_found", "broadcast not found");
    const b = await getBroadcast(deps.redis, deps.keys, id);
    return { id, status: "retracted", removed: b?.removed ?? 0, retraction: b?.retraction ?? "running" };
  }
  await deps.redis.zadd(deps.keys.retracted(), Date.now(), id);
  // Nothing will be sent now; an expiry that has not fired has nothing left to do.
  await Promise.all([removeJob(deps, id, "broadcast"), expiry ? null : removeJob(deps, id, "expire")]);
  opts.emitters?.users.emit("retract", { broadcastId: id });
  await enqueueBroadcast(deps, id, { kind: "retract" });
  await recordAudit(deps, {
    actor,
    action: expiry ? "broadcast.expired" : "broadcast.retracted",
    broadcastId: id,
    detail: `was ${t.previous}`,
  });
  await announce(deps, id, opts.emitters);
  return { id, status: "retracted", removed: 0, retraction: "running" };
}

/**
 * The retract job: wait until the broadcast's own run has stopped (so nothing is stored behind
 * the walk), then take its exact message JSON out of every session's list, saving its place
 * like a fan-out (cursor + Redis run_id). retract.lua counts what it removes in the same call,
 * so a retract resumed or run twice is exact.
 */
export async function runRetract(
  deps: Deps,
  id: string,
  opts: { emitters?: Emitters; signal?: AbortSignal } = {},
): Promise<RetractAnswer> {
  const { redis, keys } = deps;
  const record = await getBroadcast(redis, keys, id);
  if (record?.status !== "retracted")
    throw new UnrunnableBroadcast("not_found", `no retracted broadcast ${id}`);
  if (record.retraction === "done") return answer(record);
  const run = await getBroadcastQueue(deps).getJob(jobIdOf(id, "broadcast"));
  // Thrown, so the job is retried in a moment (1 s, 2 s …): the run stops between batches.
  if (run && (await run.isActive())) throw new Error("waiting for the broadcast's run to stop");

  const removeFrom = (ids: string[]) => retractBatch(deps, record, ids);
  if (record.target?.type === "sessions") {
    const ids = [...new Set(record.target.ids)];
    for (let i = 0; i < ids.length; i += RETRACT_BATCH) await removeFrom(ids.slice(i, i + RETRACT_BATCH));
  } else {
    await retractWalk(deps, record, removeFrom, opts.signal);
  }
  await updateBroadcast(redis, keys, id, { retraction: "done", retractCursor: "0", retractRunId: "" });
  // Tabs that fetched their history while the walk had not reached them yet.
  opts.emitters?.users.emit("retract", { broadcastId: id });
  await announce(deps, id, opts.emitters);
  const done = await getBroadcast(redis, keys, id);
  deps.log.info({ broadcastId: id, removed: done?.removed }, "broadcast retracted");
  return answer(done ?? record);
}

/** Every session (an `all` or `online` target: who was online then is not known), page by page. */
async function retractWalk(
  deps: Deps,
  record: StoredBroadcast,
  removeFrom: (ids: string[]) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const { redis, keys, config } = deps;
  const saved = await redis.hmget(keys.broadcast(record.id), "retractCursor", "retractRunId");
  let cursor = saved[0] ?? "0";
  let expected = cursor === "0" ? "" : (saved[1] ?? "");
  for (;;) {
    try {
      const pages = scanSessionKeys(redis, keys, {
        cursor,
        count: config.HERALD_SCAN_COUNT,
        trackRunId: true,
      });
      for await (const page of readAhead(pages, 2)) {
        if (signal?.aborted) throw signal.reason ?? new Error("retract stopped");
        if (expected && page.runId !== expected) throw new WalkRestarted("Redis run_id changed");
        expected = page.runId ?? "";
        const ids = page.found.map((f) => f.id);
        for (let i = 0; i < ids.length; i += RETRACT_BATCH) await removeFrom(ids.slice(i, i + RETRACT_BATCH));
        await updateBroadcast(redis, keys, record.id, { retractCursor: page.cursor, retractRunId: expected });
      }
      return;
    } catch (err) {
      if (!(err instanceof WalkRestarted)) throw err;
      deps.log.warn({ broadcastId: record.id }, "retract: Redis restarted, walking again from the start");
      cursor = "0";
      expected = "";
    }
  }
}

async function retractBatch(deps: Deps, record: StoredBroadcast, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const { redis, keys } = deps;
  const lists = ids.map((sid) => keys.sessionMessages(sid));
  const cluster = clusterOf(redis);
  if (!cluster) {
    await redis.heraldRetract(1 + lists.length, keys.broadcast(record.id), ...lists, record.payload, "1");
    return;
  }
  // On a cluster the lists and the counter are in different slots: one call per slot of lists
  // (a node's calls in one pipeline; redirected ones sent again alone), then the count. A crash in between undercounts
  // `removed`; the copies themselves are gone, and a walk again removes (and counts) nothing twice.
  const removeFrom = (part: string[]) => [part.length, ...part, record.payload, "0"] as const;
  const slots = groupBySlot(lists).map((group) => group.map((i) => lists[i]!));
  const calls = keyedPipeline(redis, { resendRedirected: false });
  for (const part of slots) calls.heraldRetract(...removeFrom(part));
  const replies = (await calls.exec()) ?? [];
  const counts = await Promise.all(
    slots.map(async (part, k) => {
      const [err, n] = replies[k] ?? [new Error("no reply"), null];
      if (!err) return Number(n);
      if (!isRedirection(err)) throw err;
      // Caught by a resharding: nothing ran; one list per call (see storeBatch).
      const each = await Promise.all(part.map((list) => redis.heraldRetract(...removeFrom([list]))));
      return each.reduce((a, b) => a + b, 0);
    }),
  );
  const removed = counts.reduce((a, b) => a + b, 0);
  if (removed > 0) await redis.hincrby(keys.broadcast(record.id), "removed", removed);
}

const answer = (b: Broadcast): RetractAnswer => ({
  id: b.id,
  status: "retracted",
  removed: b.removed ?? 0,
  retraction: b.retraction ?? "running",
});

/** Admins watching see the new status at once. */
async function announce(deps: Deps, id: string, emitters?: Emitters): Promise<void> {
  if (!emitters) return;
  const b = await getBroadcast(deps.redis, deps.keys, id);
  if (b)
    emitters.admins
      .to([ADMIN_ALL_ROOM, broadcastRoom(id)])
      .emit("broadcast:finished", toSummary(toPublic(b)));
}

/** Broadcast ids retracted lately: the chat page drops them, also from what it got live before. */
export async function recentlyRetracted(deps: Deps): Promise<string[]> {
  const { redis, keys } = deps;
  const since = Date.now() - RETRACTED_MEMORY_MS;
  await redis.zremrangebyscore(keys.retracted(), "-inf", `(${since}`);
  return redis.zrangebyscore(keys.retracted(), since, "+inf", "LIMIT", 0, 1000);
}
