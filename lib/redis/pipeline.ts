import type { ChainableCommander, Cluster, Redis } from "ioredis";
import { clusterOf } from "./connection";
import type { ScriptCommands } from "./scripts";
import { groupByNode, isRedirection } from "./slots";

type Reply = [error: Error | null, result: unknown];

/**
 * A pipeline whose commands may name keys of any slot. On one Redis it is a real pipeline (one
 * round trip). On a cluster ioredis refuses a pipeline that spans nodes, so the commands are cut
 * into one pipeline per node (by each command's first key); a command that comes back redirected
 * (MOVED, ASK: a resharding moved its slot) did not run, and is sent again on its own, which
 * ioredis routes and redirects by itself; no write runs twice. With `resendRedirected: false`
 * its error is answered instead, for callers that split such a command further (a script call
 * over several keys of a slot in migration would only get TRYAGAIN until it ends).
 * Same `exec()` answer either way: one [error, result] per command, in order.
 */
export function keyedPipeline(redis: Redis, opts: { resendRedirected?: boolean } = {}): HeraldPipeline {
  const resend = opts.resendRedirected !== false;
  const cluster = clusterOf(redis);
  if (!cluster) return redis.pipeline() as HeraldPipeline;
  const calls: Call[] = [];
  const recorder: HeraldPipeline = new Proxy({} as HeraldPipeline, {
    get(_target, prop) {
      if (prop === "exec") return () => execPerNode(redis, cluster, calls, resend);
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

type Call = [name: string, args: unknown[]];

/** A pipeline with Herald's Lua scripts too (ioredis gives pipelines the commands defined on their client). */
export type HeraldPipeline = ChainableCommander & {
  [K in keyof ScriptCommands]: (...args: Parameters<ScriptCommands[K]>) => HeraldPipeline;
};
type Commands = Record<string, (...a: unknown[]) => unknown>;

async function execPerNode(redis: Redis, cluster: Cluster, calls: Call[], resend: boolean): Promise<Reply[]> {
  const replies: Reply[] = new Array(calls.length);
  // A script's arguments open with its key count: its first key comes next.
  const firstKeys = calls.map(([, args]) => String((typeof args[0] === "number" ? args[1] : args[0]) ?? ""));
  await Promise.all(
    groupByNode(cluster, firstKeys).map(async (group) => {
      const pipe = redis.pipeline();
      for (const i of group) (pipe as unknown as Commands)[calls[i]![0]]!(...calls[i]![1]);
      // A PING (not a read, for ioredis) keeps ioredis from re-sending a pipeline of reads as a
      // whole after an ASK: sent with ASKING to the importing node, the keys of that slot still on
      // the migrating node would read as absent there. Redirected commands come back as errors
      // instead, and are sent again one by one below.
      pipe.ping();
      let got: Reply[];
      try {
        got = ((await pipe.exec()) ?? []) as Reply[];
      } catch (err) {
        // Refused before it was sent (the slot map moved under it): nothing ran.
        if (!isRedirection(err)) throw err;
        got = group.map((): Reply => [err as Error, null]);
      }
      await Promise.all(
        group.map(async (i, j) => {
          const reply = got[j] ?? [new Error("no reply"), null];
          const redirected = reply[0] !== null && isRedirection(reply[0]);
          replies[i] = redirected && resend ? await sendOne(redis, calls[i]!) : reply;
        }),
      );
    }),
  );
  return replies;
}

function sendOne(redis: Redis, [name, args]: Call): Promise<Reply> {
  const fn = (redis as unknown as Commands)[name];
  if (typeof fn !== "function") return Promise.resolve([new Error(`no command ${name}`), null]);
  return (fn.apply(redis, args) as Promise<unknown>).then(
    (result): Reply => [null, result],
    (err: unknown): Reply => [err instanceof Error ? err : new Error(String(err)), null],
  );
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
