import type { Redis } from "ioredis";
import { clusterOf } from "../redis/connection";

/**
 * Is Redis close to its `maxmemory`? Then new chat sessions and user messages are refused
 * (503) so that what is already stored — and broadcasts to it — keep room. Read from
 * `INFO memory` at most once a second per process; a Redis without maxmemory is never "full".
 */
const CACHE_MS = 1000;
// On globalThis: the custom server (new sessions) and the route bundle (messages) share one reading.
const CACHE = Symbol.for("herald.limits.memory");
type Holder = { [CACHE]?: { at: number; usedRatio: number } };

export async function redisMemoryRatio(redis: Redis): Promise<number> {
  const now = Date.now();
  const g = globalThis as Holder;
  const cached = g[CACHE];
  if (cached && now - cached.at < CACHE_MS) return cached.usedRatio;
  // On a cluster the fullest master decides: a new session's keys may land on any of them.
  const cluster = clusterOf(redis);
  const infos = cluster
    ? await Promise.all(cluster.nodes("master").map((node) => node.info("memory")))
    : [await redis.info("memory")];
  const usedRatio = Math.max(
    ...infos.map((info) => {
      const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
      const max = Number(/^maxmemory:(\d+)/m.exec(info)?.[1] ?? 0);
      return max > 0 ? used / max : 0;
    }),
  );
  g[CACHE] = { at: now, usedRatio };
  return usedRatio;
}

/** True when Redis uses at least `percent` % of maxmemory (percent 0 turns the guard off). */
export async function redisNearlyFull(redis: Redis, percent: number): Promise<boolean> {
  if (percent <= 0) return false;
  return (await redisMemoryRatio(redis)) * 100 >= percent;
}
