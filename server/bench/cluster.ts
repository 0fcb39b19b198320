/**
 * `npm run bench -- --cluster`: the same broadcast (lib/'s fan-out, delivery records included)
 * to the same seeded sessions, on one redis-server and on a local 3-master Redis Cluster, each
 * run verified (one copy per session) and undone for the next. All nodes share this machine's
 * cores, so the cluster figure shows the cost of the per-slot routing, not a cluster's capacity.
 */
import { sendBroadcast } from "../../lib/broadcasts";
import { resetConfig } from "../../lib/config";
import { type Deps, getDeps } from "../../lib/context";
import { closeRedis } from "../../lib/redis/connection";
import { BroadcastInputSchema } from "../../lib/schemas/broadcast";
import { seedDemoSessions } from "../../lib/sessions/demo";
import { startLocalCluster } from "../local-cluster";
import { startBenchRedis } from "./redis-server";
import { fmtInt } from "./stats";
import { checkOneCopyEach } from "./verify";

export interface ClusterBenchOptions {
  sessions: number;
  runs: number;
  batchSize?: number;
  concurrency?: number;
  log: (line: string) => void;
}

interface Timing {
  target: string;
  seedMs: number;
  runsMs: number[];
}

export async function benchCluster(opts: ClusterBenchOptions): Promise<void> {
  const single = await startBenchRedis();
  let one: Timing;
  try {
    one = await timeOn("one redis-server", { REDIS_URL: single.url }, opts);
  } finally {
    await closeRedis();
    await single.stop();
  }
  const cluster = await startLocalCluster();
  let three: Timing;
  try {
    three = await timeOn("3-master cluster", { REDIS_CLUSTER_NODES: cluster.nodesEnv }, opts);
  } finally {
    await closeRedis();
    await cluster.stop();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `\nFan-out of one broadcast to ${fmtInt(opts.sessions)} sessions (half empty), median of ${opts.runs}`,
  );
  for (const t of [one, three]) {
    const ms = median(t.runsMs);
    console.log(
      `  ${t.target.padEnd(18)} ${fmtInt(ms).padStart(7)} ms  ${fmtInt((opts.sessions / ms) * 1000).padStart(9)} sessions/s  (seed ${fmtInt(t.seedMs)} ms)`,
    );
  }
}

/** Seed, then time `runs` broadcasts on the Redis `env` names, each checked and then undone. */
async function timeOn(
  target: string,
  env: Record<string, string>,
  opts: ClusterBenchOptions,
): Promise<Timing> {
  delete process.env.REDIS_URL;
  delete process.env.REDIS_CLUSTER_NODES;
  Object.assign(process.env, env);
  process.env.LOG_LEVEL ??= "warn";
  resetConfig();
  const deps: Deps = getDeps();
  opts.log(`${target}: seeding ${fmtInt(opts.sessions)} sessions…`);
  const seeded = await seedDemoSessions(deps.redis, deps.keys, {
    sessions: opts.sessions,
    emptyRatio: 0.5,
    messages: 5,
    ttlSeconds: 0,
  });
  const runsMs: number[] = [];
  for (let i = 1; i <= opts.runs; i++) {
    opts.log(`${target}: fan-out ${i}/${opts.runs}…`);
    const t0 = performance.now();
    const summary = await sendBroadcast(
      deps,
      BroadcastInputSchema.parse({ message: `bench run ${i}` }),
      "bench",
      {
        batchSize: opts.batchSize,
        concurrency: opts.concurrency,
      },
    );
    runsMs.push(performance.now() - t0);
    const record = await deps.redis.hget(deps.keys.broadcast(summary.id), "payload");
    const check = await checkOneCopyEach(deps.redis, deps.keys, record ?? "", { remove: true });
    if (summary.stored !== opts.sessions || check.exactlyOne !== opts.sessions)
      throw new Error(
        `${target}: stored ${summary.stored}, one copy in ${check.exactlyOne} of ${opts.sessions} (${check.examples.join(", ")})`,
      );
  }
  return { target, seedMs: seeded.ms, runsMs };
}
