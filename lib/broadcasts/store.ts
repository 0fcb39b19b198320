import type { Redis } from "ioredis";
import type { Keys } from "../redis/keys";
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

export interface StoredBroadcast extends Broadcast {
  /** The exact message JSON stored in every session (the duplicate check's needle). */
  payload: string;
  /** Where a resumed fan-out continues ("0": from the start). */
  cursor: string;
}

export function toSummary(b: Broadcast): BroadcastSummary {
  const { id, status, targeted, stored, created, duplicates, failed } = b;
  return { id, status, targeted, stored, created, duplicates, failed };
}

/** The public shape: everything but the internal payload and cursor. */
export function toPublic(b: StoredBroadcast): Broadcast {
  const { payload: _p, cursor: _c, ...rest } = b;
  return rest;
}

export function decodeBroadcast(h: Record<string, string>): StoredBroadcast | null {
  if (!h.id || !h.payload) return null;
  const n = (k: string) => Number(h[k] ?? 0) || 0;
  const status = (BROADCAST_STATUSES as readonly string[]).includes(h.status ?? "")
    ? (h.status as BroadcastStatus)
    : "interrupted";
  let target: Target = { type: "all" };
  try {
    target = TargetSchema.parse(JSON.parse(h.target ?? "{}"));
  } catch {
    // an unreadable target is shown as "all"; it only matters for a resume
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
  return out;
}

export async function getBroadcast(redis: Redis, keys: Keys, id: string): Promise<StoredBroadcast | null> {
  return decodeBroadcast(await redis.hgetall(keys.broadcast(id)));
}

export async function createBroadcastRecord(redis: Redis, keys: Keys, b: StoredBroadcast): Promise<boolean> {
  const fields: Record<string, string> = {
    id: b.id,
    status: b.status,
    message: b.message,
    level: b.level,
    target: JSON.stringify(b.target),
    author: b.author,
    createdAt: b.createdAt,
    payload: b.payload,
    cursor: b.cursor,
  };
  if (b.title) fields.title = b.title;
  for (const c of COUNTERS) fields[c] = String(b[c]);
  // HSETNX on the id first: two concurrent creations of one id cannot both win.
  const won = await redis.hsetnx(keys.broadcast(b.id), "id", b.id);
  if (!won) return false;
  await redis
    .multi()
    .hset(keys.broadcast(b.id), fields)
    .zadd(keys.broadcastIndex(), Date.parse(b.createdAt), b.id)
    .exec();
  return true;
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
  const pipe = redis.pipeline();
  for (const id of ids) pipe.hgetall(keys.broadcast(id));
  const rows = (await pipe.exec()) ?? [];
  const broadcasts = rows
    .map(([, h]) => decodeBroadcast((h ?? {}) as Record<string, string>))
    .filter((b): b is StoredBroadcast => b !== null)
    .map(toPublic);
  return { broadcasts, nextCursor: cursor + limit < total ? String(cursor + limit) : null, total };
}

/**
 * Broadcasts left `running` by a process that died (no live lock) become `interrupted`, so
 * history tells the truth and they can be resumed. Looks at the newest `scan` broadcasts only:
 * older ones were settled by earlier start-ups.
 */
export async function markAbandonedBroadcasts(redis: Redis, keys: Keys, scan = 500): Promise<string[]> {
  const ids = await redis.zrevrange(keys.broadcastIndex(), 0, scan - 1);
  if (ids.length === 0) return [];
  const pipe = redis.pipeline();
  for (const id of ids) pipe.hget(keys.broadcast(id), "status").exists(keys.broadcastLock(id));
  const replies = (await pipe.exec()) ?? [];
  const abandoned = ids.filter((_, i) => replies[2 * i]?.[1] === "running" && replies[2 * i + 1]?.[1] === 0);
  for (const id of abandoned) await redis.hset(keys.broadcast(id), "status", "interrupted");
  return abandoned;
}
