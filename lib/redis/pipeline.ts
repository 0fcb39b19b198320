import type { ChainableCommander, Redis } from "ioredis";
import { clusterOf } from "./connection";

type Reply = [error: Error | null, result: unknown];

/**
 * A pipeline whose commands may name keys of any slot. On one Redis it is a real pipeline (one
 * round trip). On a cluster ioredis refuses a pipeline that spans nodes, and one caught by a
 * MOVED during a resharding fails part-way; here each command is sent on its own instead (all at
 * once, so their round trips overlap), routed by its key and redirected by ioredis on its own.
 * Same `exec()` answer either way: one [error, result] per command, in order.
 */
export function keyedPipeline(redis: Redis): ChainableCommander {
  if (!clusterOf(redis)) return redis.pipeline();
  const calls: [name: string, args: unknown[]][] = [];
  const send = (name: string, args: unknown[]): Promise<Reply> => {
    const fn = (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name];
    if (typeof fn !== "function") return Promise.resolve([new Error(`no command ${name}`), null]);
    return fn.apply(redis, args).then(
      (result): Reply => [null, result],
      (err: unknown): Reply => [err instanceof Error ? err : new Error(String(err)), null],
    );
  };
  const recorder: ChainableCommander = new Proxy({} as ChainableCommander, {
    get(_target, prop) {
      if (prop === "exec") return () => Promise.all(calls.map(([name, args]) => send(name, args)));
      if (prop === "length") return calls.length;
      // Not a thenable: `await pipeline` must not call a recorded "then" command.
      if (prop === "then" || typeof prop !== "string") return undefined;
      return (...args: unknown[]) => {
        calls.push([prop, args]);
        return recorder;
      };
    },
  });
  return recorder;
}

/**
 * Several writes to keys that may live on different cluster slots: a MULTI on one Redis (all or
 * nothing), the commands one by one on a cluster (no transaction can span slots there).
 */
export function keyedMulti(redis: Redis): ChainableCommander {
  return clusterOf(redis) ? keyedPipeline(redis) : redis.multi();
}

/** How many of `keys` exist: one EXISTS on one Redis, one per key on a cluster (keys of many slots). */
export async function countExisting(redis: Redis, ...keys: string[]): Promise<number> {
  if (!clusterOf(redis)) return redis.exists(...keys);
  const each = await Promise.all(keys.map((k) => redis.exists(k)));
  return each.reduce((a, b) => a + b, 0);
}
