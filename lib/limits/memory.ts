import type { Redis } from "ioredis";

/**
 * Is Redis close to its `maxmemory`? Then new chat sessions and user messages are refused
 * (503) so that what is already stored — and broadcasts to it — keep room. Read from
 * `INFO memory` at most once a second per process; a Redis without maxmemory is never "full".
 */
const CACHE_MS = 1000;
let cached: { at: number; usedRatio: number } | null = null;

export async function redisMemoryRatio(redis: Redis): Promise<number> {
  const now = Date.now();
  if (cached && now - cached.at < CACHE_MS) return cached.usedRatio;
  const info = await redis.info("memory");
  const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
  const max = Number(/^maxmemory:(\d+)/m.exec(info)?.[1] ?? 0);
  const usedRatio = max > 0 ? used / max : 0;
  cached = { at: now, usedRatio };
  return usedRatio;
}

/** True when Redis uses at least `percent` % of maxmemory (percent 0 turns the guard off). */
export async function redisNearlyFull(redis: Redis, percent: number): Promise<boolean> {
  if (percent <= 0) return false;
  return (await redisMemoryRatio(redis)) * 100 >= percent;
}
