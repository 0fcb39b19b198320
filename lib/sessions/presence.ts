import type { Redis } from "ioredis";
import type { Keys } from "../redis/keys";

/**
 * Which sessions have a live socket right now. A sorted set: session id -> time (ms) until
 * which it counts as online. Each server instance refreshes its connected sessions well
 * within its TTL (PRESENCE_TTL_MS, HERALD_PRESENCE_TTL_SECONDS on a server), so a crashed
 * instance's sessions fall offline by themselves.
 */
export const PRESENCE_TTL_MS = 60_000;

export async function markOnline(
  redis: Redis,
  keys: Keys,
  ids: string[],
  now = Date.now(),
  ttlMs = PRESENCE_TTL_MS,
): Promise<void> {
  if (ids.length === 0) return;
  const args: (string | number)[] = [];
  for (const id of ids) args.push(now + ttlMs, id);
  await redis.zadd(keys.presence(), ...args);
}

export async function markOffline(redis: Redis, keys: Keys, id: string): Promise<void> {
  await redis.zrem(keys.presence(), id);
}

export async function onlineCount(redis: Redis, keys: Keys, now = Date.now()): Promise<number> {
  return redis.zcount(keys.presence(), `(${now}`, "+inf");
}

/** Online session ids, a page at a time (offset cursor over the live part of the set). */
export async function onlinePage(
  redis: Redis,
  keys: Keys,
  offset: number,
  limit: number,
  now = Date.now(),
): Promise<string[]> {
  return redis.zrangebyscore(keys.presence(), `(${now}`, "+inf", "LIMIT", offset, limit);
}

export async function areOnline(
  redis: Redis,
  keys: Keys,
  ids: string[],
  now = Date.now(),
): Promise<boolean[]> {
  if (ids.length === 0) return [];
  const scores = await redis.zmscore(keys.presence(), ...ids);
  return scores.map((s) => s !== null && Number(s) > now);
}

/** Drop expired entries (called by the server's heartbeat). */
export async function prunePresence(redis: Redis, keys: Keys, now = Date.now()): Promise<number> {
  return redis.zremrangebyscore(keys.presence(), "-inf", now);
}
