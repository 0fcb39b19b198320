import type { Redis } from "ioredis";
import type { HeraldRedis } from "../redis/connection";
import type { Keys } from "../redis/keys";
import { keyedPipeline } from "../redis/pipeline";
import {
  BROADCAST_STATUSES,
  type Broadcast,
  type BroadcastStatus,
  type BroadcastSummary,
  type Target,
  TargetSchema,
} from "../schemas/broadcast";
import { LevelSchema } from "../schemas/message";

/**
 * Broadcast records: one hash per broadcast (`herald:bc:{id}`) with its text, author,
 * status, counters and resume cursor, plus a sorted set of ids by creation time.
 */
const COUNTERS = [
  "targeted",
  "stored",
  "created",
  "duplicates",
  "failed",
  "delivered",
  "seen",
  "processed",
  "estimatedTotal",
] as const;

/** How a broadcast's fan-out finds the copy it stored already (see StoredBroadcast.dedupe). */
export type Dedupe = "marks" | "slot-marks" | "lists";

export interface StoredBroadcast extends Broadcast {
  /** The exact message JSON stored in every session (the duplicate check's needle). */
  payload: string;
  /** Where a resumed walk continues ("0": from the start)... */
  cursor: string;
  /** ...valid only on the Redis process that gave it (INFO run_id): a SCAN cursor means nothing to another. */
  cursorRunId: string;
  /**
   * How the fan-out keeps one copy per session (fanout.lua): "marks", a search of each list's
   * first entries plus a set of the long lists pushed to, written in the same atomic call as the
   * pushes (keys.pushed); "slot-marks", the same on a cluster with one such set per slot
   * (keys.pushedInSlot); "lists", a search of each whole list (broadcasts created before marks
   * existed, whose long lists were never marked: also a cluster broadcast marked "marks", which
   * a cluster never honoured).
   */
  dedupe: Dedupe;
}

export function toSummary(b: Broadcast): BroadcastSummary {
  const { id, status, targeted, stored, created, duplicates, failed } = b;
  return { id, status, targeted, stored, created, duplicates, failed };
}

/** The public shape: everything but the internal payload and resume point. */
export function toPublic(b: StoredBroadcast): Broadcast {
  const { payload: _p, cursor: _c, cursorRunId: _r, dedupe: _d, ...rest } = b;
  return rest;
}

export function decodeBroadcast(h: Record<string, string>): StoredBroadcast | null {
  if (!h.id || !h.payload) return null;
  const n = (k: string) => Number(h[k] ?? 0) || 0;
  const status = (BROADCAST_STATUSES as readonly string[]).includes(h.status ?? "")
    ? (h.status as BroadcastStatus)
    : "interrupted";
  // Never guessed: a target that cannot be read back is null, and the runner refuses it.
  let target: Target | null = null;
  try {
    target = TargetSchema.parse(JSON.parse(h.target ?? ""));
  } catch {
    target = null;
  }
  const out: StoredBroadcast = {
    id: h.id,
    status,
    message: h.message ?? "",
    level: LevelSchema.catch("info").parse(h.level),
    target,
    author: h.author ?? "unknown",
    createdAt: h.createdAt ?? new Date(0).toISOString(),
    payload: h.payload,
    cursor: h.cursor ?? "0",
    cursorRunId: h.cursorRunId ?? "",
    dedupe: h.dedupe === "marks" || h.dedupe === "slot-marks" ? h.dedupe : "lists",
    targeted: n("targeted"),
    stored: n("stored"),
    created: n("created"),
    duplicates: n("duplicates"),
    failed: n("failed"),
    delivered: n("delivered"),
    seen: n("seen"),
    processed: n("processed"),
    estimatedTotal: n("estimatedTotal"),
  };
  if (h.title) out.title = h.title;
  if (h.startedAt) out.startedAt = h.startedAt;
  if (h.finishedAt) out.finishedAt = h.finishedAt;
  if (h.error) out.error = h.error;
  if (h.runner) out.runner = h.runner;
  for (const f of [
    "sendAt",
    "expiresAt",
    "cancelledAt",
    "cancelledBy",
    "retractedAt",
    "retractedBy",
  ] as const)
    if (h[f]) out[f] = h[f];
  if (h.retraction === "running" || h.retraction === "done") {
    out.retraction = h.retraction;
    out.removed = Number(h.removed ?? 0) || 0;
  }
  return out;
}

export async function getBroadcast(redis: Redis, keys: Keys, id: string): Promise<StoredBroadcast | null> {
  return decodeBroadcast(await redis.hgetall(keys.broadcast(id)));
}

/** The fields that make a broadcast what it is: a re-send of its id must match them all. */
const IDENTITY = ["message", "title", "level", "target", "sendAt", "expiresAt"] as const;

export type ClaimResult =
  | { outcome: "created" | "exists"; status: BroadcastStatus }
  | { outcome: "conflict"; field: string };

/**
 * Claim the id and write the record in one atomic script call (create-broadcast.lua), or, when
 * the id is taken, say whether the existing broadcast is the same one (message, title, level and
 * target) or another.
 */
export async function claimBroadcast(
  redis: HeraldRedis,
  keys: Keys,
  b: StoredBroadcast,
): Promise<ClaimResult> {
  const fields: Record<string, string> = {
    id: b.id,
    status: b.status,
    message: b.message,
    title: b.title ?? "",
    level: b.level,
    target: JSON.stringify(b.target),
    sendAt: b.sendAt ?? "",
    expiresAt: b.expiresAt ?? "",
    author: b.author,
    createdAt: b.createdAt,
    payload: b.payload,
    cursor: b.cursor,
    cursorRunId: b.cursorRunId,
    dedupe: b.dedupe,
  };
  for (const c of COUNTERS) fields[c] = String(b[c]);
  const identity = IDENTITY.flatMap((f) => [f, fields[f] ?? ""]);
  const rest = Object.entries(fields)
    .filter(([f]) => !(IDENTITY as readonly string[]).includes(f))
    .flat();
  // The index first (NX: a re-send or a conflicting id keeps its first date): an id indexed
  // without a record is skipped by every reader, whereas a record missing from the index would be
  // invisible to the list and to the reconciliation. Two calls, since the index is on another
  // cluster slot than the record.
  await redis.zadd(keys.broadcastIndex(), "NX", Date.parse(b.createdAt), b.id);
  const [outcome, detail] = await redis.heraldCreateBroadcast(
    1,
    keys.broadcast(b.id),
    IDENTITY.length,
    ...identity,
    ...rest,
  );
  if (outcome === "conflict") return { outcome, field: detail ?? "" };
  const status = (BROADCAST_STATUSES as readonly string[]).includes(detail ?? "")
    ? (detail as BroadcastStatus)
    : "interrupted";
  return { outcome: outcome === "created" ? "created" : "exists", status };
}

/**
 * Move a broadcast to `status` only if it is now in one of `from` (set-status.lua). Returns the
 * status it had, and whether it moved.
 */
export async function transition(
  redis: HeraldRedis,
  keys: Keys,
  id: string,
  status: BroadcastStatus,
  from: readonly BroadcastStatus[],
  fields: Record<string, string | number> = {},
): Promise<{ moved: boolean; previous: BroadcastStatus | "" }> {
  const [moved, previous] = await redis.heraldSetStatus(
    1,
    keys.broadcast(id),
    status,
    from.join(" "),
    ...Object.entries(fields).flat(),
  );
  return { moved: moved === 1, previous: previous as BroadcastStatus | "" };
}

export async function updateBroadcast(
  redis: Redis,
  keys: Keys,
  id: string,
  fields: Partial<Record<string, string | number>>,
): Promise<void> {
  const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<
    string,
    string | number
  >;
  if (Object.keys(clean).length > 0) await redis.hset(keys.broadcast(id), clean);
}

/** Newest first; the cursor is an offset into the index. */
export async function listBroadcasts(
  redis: Redis,
  keys: Keys,
  cursor: number,
  limit: number,
): Promise<{ broadcasts: Broadcast[]; nextCursor: string | null; total: number }> {
  const [ids, total] = await Promise.all([
    redis.zrevrange(keys.broadcastIndex(), cursor, cursor + limit - 1),
    redis.zcard(keys.broadcastIndex()),
  ]);
  const pipe = keyedPipeline(redis);
  for (const id of ids) pipe.hgetall(keys.broadcast(id));
  const rows = (await pipe.exec()) ?? [];
  const broadcasts = rows
    .map(([, h]) => decodeBroadcast((h ?? {}) as Record<string, string>))
    .filter((b): b is StoredBroadcast => b !== null)
    .map(toPublic);
  return { broadcasts, nextCursor: cursor + limit < total ? String(cursor + limit) : null, total };
}
