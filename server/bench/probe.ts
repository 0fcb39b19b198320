/**
 * Another Redis client, in its own process so the bench's own event loop cannot delay it:
 * a GET every millisecond, open loop (sent on schedule whether or not the previous one
 * answered), so a stall of Redis shows as every request it delayed, not as one slow sample.
 *
 * Protocol (IPC): parent sends {phase: "name"} to start recording into a phase,
 * {phase: null} to stop, {report: true} to get {phases: {name: LatencySummary}}, then {exit: true}.
 */
import { Redis } from "ioredis";
import { redisOptionsFromUrl } from "../../lib/redis/connection";
import { type LatencySummary, summarize } from "./stats";

const url = process.argv[2];
if (!url || !process.send) throw new Error("probe.ts runs as a forked child: probe.ts <redis url>");
// The bench died or stopped: do not outlive it.
process.on("disconnect", () => process.exit(0));

const redis = new Redis({ ...redisOptionsFromUrl(url), connectionName: "bench:probe" });
redis.on("error", () => {});
const phases = new Map<string, number[]>();
let current: number[] | null = null;

await redis.set("bench:probe", "x");
const timer = setInterval(() => {
  const into = current;
  const t0 = performance.now();
  redis.get("bench:probe").then(
    () => into?.push(performance.now() - t0),
    () => into?.push(Number.POSITIVE_INFINITY),
  );
}, 1);

process.on("message", (m: { phase?: string | null; report?: boolean; exit?: boolean }) => {
  if (m.phase !== undefined) {
    if (m.phase === null) current = null;
    else {
      current = phases.get(m.phase) ?? [];
      phases.set(m.phase, current);
    }
    process.send?.({ ok: true });
  }
  if (m.report) {
    const out: Record<string, LatencySummary> = {};
    for (const [k, v] of phases) out[k] = summarize(v);
    process.send?.({ phases: out });
  }
  if (m.exit) {
    clearInterval(timer);
    redis.disconnect();
    process.exit(0);
  }
});
process.send({ ready: true });
