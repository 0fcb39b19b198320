import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { sendBroadcast } from "../../lib/broadcasts/fanout";
import { getBroadcast } from "../../lib/broadcasts/store";
import type { Deps } from "../../lib/context";
import type { Emitters } from "../../lib/realtime/emitter";
import type { BroadcastSummary } from "../../lib/schemas/broadcast";
import type { Probe } from "./probe-client";
import { profiled } from "./profile";
import { checkOneCopyEach } from "./verify";

const SCRIPTS_DIR = path.join(import.meta.dirname, "../../lib/redis/scripts");

export interface HeraldRunOptions {
  sessions: number;
  /** Sessions seeded without a list: the run must create exactly these. */
  empty: number;
  emitters?: Emitters;
  estimate: boolean;
  batchSize?: number;
  concurrency?: number;
  probe: Probe;
  phase: string;
  cpuProfile?: string;
  /** Take the broadcast out of every list afterwards (another run follows). */
  restore: boolean;
  /** Duplicate check by searching the lists, as before marks (RunOptions.searchLists). */
  searchLists?: boolean;
}

export interface HeraldRun {
  ms: number;
  rate: number;
  /** CPU per session, µs: redis-server (from INFO cpu) and the bench process (fan-out + emitter). */
  cpu: { redis: number; redisSys: number; bench: number; benchSys: number };
  summary: BroadcastSummary;
  payload: string;
  commandstats: string;
  /** Durations (µs) of the Redis calls over 2 ms, and LATENCY LATEST (event, time, last ms, max ms). */
  slowUs: number[];
  /** The same calls by what they were: a command, or the Lua file an EVALSHA ran. */
  slowCalls: { us: number; command: string }[];
  latency: [string, number, number, number][];
  problems: string[];
}

/** Lua file by SHA1 (what EVALSHA names in SLOWLOG), as lib/redis/scripts.ts loads them. */
const scriptsBySha = new Map(
  readdirSync(SCRIPTS_DIR)
    .filter((f) => f.endsWith(".lua"))
    .map((f) => [
      createHash("sha1")
        .update(readFileSync(path.join(SCRIPTS_DIR, f), "utf8"))
        .digest("hex"),
      f,
    ]),
);

function commandName(args: string[]): string {
  const name = (args[0] ?? "?").toUpperCase();
  if (name !== "EVALSHA") return name;
  return scriptsBySha.get(String(args[1]).toLowerCase()) ?? "EVALSHA (other)";
}

/** CPU time (s) redis-server has used, from INFO cpu: unlike wall time, not inflated by waiting for a core. */
async function redisCpu(deps: Deps) {
  const cpu = await deps.redis.info("cpu");
  const get = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(cpu)?.[1] ?? 0);
  return { user: get("used_cpu_user"), sys: get("used_cpu_sys") };
}

/**
 * One timed broadcast to every session through sendBroadcast (the API's code path, delivery
 * records and live pushes included), with what it cost Redis, then the check that every
 * session holds exactly one copy and that the counters and records are exact.
 */
export async function runHerald(deps: Deps, o: HeraldRunOptions): Promise<HeraldRun> {
  const { redis, keys } = deps;
  const N = o.sessions;
  await redis.config("RESETSTAT");
  // Every call over 2 ms (default 10 ms) and Redis's own stalls, to explain the probe's figures.
  await redis.config("SET", "slowlog-log-slower-than", "2000");
  await redis.config("SET", "slowlog-max-len", "100000");
  await redis.config("SET", "latency-monitor-threshold", "2");
  await redis.slowlog("RESET");
  await redis.call("LATENCY", "RESET");

  await o.probe.phase(o.phase);
  const r0 = await redisCpu(deps);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await profiled(o.cpuProfile, () =>
    sendBroadcast(
      deps,
      {
        message: "System maintenance in 5 minutes",
        title: "Maintenance Alert",
        level: "warning",
        target: { type: "all" },
      },
      "bench",
      {
        emitters: o.emitters,
        estimate: o.estimate,
        ...(o.batchSize ? { batchSize: o.batchSize } : {}),
        ...(o.concurrency ? { concurrency: o.concurrency } : {}),
        ...(o.searchLists ? { searchLists: true } : {}),
      },
    ),
  );
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const r1 = await redisCpu(deps);
  await o.probe.phase(null);

  const commandstats = await redis.info("commandstats");
  const slowlog = (await redis.slowlog("GET", 100000)) as [number, number, number, string[]][];
  const latency = (await redis.call("LATENCY", "LATEST")) as [string, number, number, number][];

  const record = await getBroadcast(redis, keys, summary.id);
  if (!record) throw new Error(`broadcast ${summary.id} has no record`);
  const copies = await checkOneCopyEach(redis, keys, record.payload, { remove: o.restore });
  // A plain stored record is in the hash alone; the rarer statuses also have a set each.
  const [hlen, duplicate, failed] = await Promise.all([
    redis.hlen(keys.deliveries(summary.id)),
    redis.scard(keys.deliveriesByStatus(summary.id, "duplicate")),
    redis.scard(keys.deliveriesByStatus(summary.id, "failed")),
  ]);
  const problems: string[] = [];
  if (copies.sessions !== N) problems.push(`found ${copies.sessions} sessions, seeded ${N}`);
  if (copies.exactlyOne !== N)
    problems.push(
      `${N - copies.exactlyOne} sessions without exactly one copy: ${copies.examples.join(", ")}`,
    );
  if (summary.status !== "completed") problems.push(`status ${summary.status}`);
  if (summary.targeted !== N || summary.stored !== N)
    problems.push(`targeted ${summary.targeted}, stored ${summary.stored}`);
  if (summary.created !== o.empty) problems.push(`created ${summary.created}, expected ${o.empty}`);
  if (summary.duplicates !== 0 || summary.failed !== 0)
    problems.push(`duplicates ${summary.duplicates}, failed ${summary.failed}`);
  if (hlen !== N || duplicate !== 0 || failed !== 0)
    problems.push(`records: ${hlen} in the hash; sets: duplicate ${duplicate}, failed ${failed}`);

  return {
    ms,
    rate: (N / ms) * 1000,
    cpu: {
      redis: ((r1.user + r1.sys - r0.user - r0.sys) * 1e6) / N,
      redisSys: ((r1.sys - r0.sys) * 1e6) / N,
      bench: (c.user + c.system) / N,
      benchSys: c.system / N,
    },
    summary,
    payload: record.payload,
    commandstats,
    slowUs: slowlog.map((e) => e[2]),
    slowCalls: slowlog.map((e) => ({ us: e[2], command: commandName(e[3]) })),
    latency,
    problems,
  };
}
