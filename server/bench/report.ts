import os from "node:os";
import type { SeedResult } from "../../lib/sessions/demo";
import type { CeilingResult } from "./ceiling";
import type { HeraldRun } from "./herald-run";
import type { LegacyResult } from "./legacy";
import { fmtInt, fmtMB, fmtMs, type LatencySummary } from "./stats";

export interface BenchReport {
  sessions: number;
  seeded: SeedResult;
  seedMs: number;
  redisVersion: string;
  legacy?: LegacyResult;
  /** The same loop over TCP on loopback (as the legacy app reached its Redis). */
  legacyTcp?: LegacyResult;
  /** The same loop in the legacy app's own stack (Python, redis-py). */
  legacyPython?: LegacyResult;
  runs: HeraldRun[];
  emit: boolean;
  ceiling?: CeilingResult;
  probe: Record<string, LatencySummary>;
  rssBefore: number;
  rssAfter: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The run whose rate is the median one (its details stand for the set). */
export function medianRun(runs: HeraldRun[]): HeraldRun {
  const sorted = [...runs].sort((a, b) => a.rate - b.rate);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export function printReport(r: BenchReport, opts: { profile: boolean }): void {
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`${k.padEnd(34)} ${v}`);
  const N = r.sessions;
  const run = medianRun(r.runs);
  const rate = run.rate;
  const herald = r.runs.map((_, i) => r.probe[`herald ${i + 1}`]).filter((s): s is LatencySummary => !!s);

  lines.push(
    "",
    `Herald fan-out benchmark — ${fmtInt(N)} sessions (${fmtInt(r.seeded.empty)} empty, ${fmtInt(r.seeded.withMessages)} with 5 messages)`,
  );
  row(
    "machine",
    `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), ${fmtMB(os.totalmem())} RAM, node ${process.version}, redis ${r.redisVersion} (unix socket, no persistence)`,
  );
  row("seeding", `${(r.seedMs / 1000).toFixed(1)} s`);
  const legacyRow = (name: string, l: LegacyResult) => {
    const sampled =
      l.sampled < l.sessions ? ` (loop timed on ${fmtInt(l.sampled)} sessions, extrapolated)` : "";
    row(
      name,
      `${fmtInt(l.sessionsPerSec)} sessions/s — KEYS ${fmtMs(l.keysMs)}, loop ${(l.sampleMs / 1000).toFixed(1)} s${sampled}`,
    );
  };
  if (r.legacy) legacyRow("legacy, Node + ioredis", r.legacy);
  if (r.legacyTcp) legacyRow("legacy, Node + ioredis, TCP", r.legacyTcp);
  if (r.legacyPython) legacyRow("legacy, Python + redis-py", r.legacyPython);
  row(
    "herald (sendBroadcast)",
    `${fmtInt(rate)} sessions/s (median of ${r.runs.length}: ${r.runs.map((x) => fmtInt(x.rate)).join(", ")}) — ` +
      `${(run.ms / 1000).toFixed(2)} s, records included${r.emit ? ", live pushes published" : ""}`,
  );
  if (r.ceiling) {
    const rates = Object.entries(r.ceiling.rates)
      .map(([k, v]) => `${k} ${fmtInt(v)}/s`)
      .join(", ");
    row(
      "ceiling (redis-benchmark -P 64)",
      `${fmtInt(r.ceiling.sessionsPerSec)} sessions/s = 1/Σ(1/rate) of ${rates}`,
    );
    row("ceiling, issue's formula", `${fmtInt(r.ceiling.rpushDiv3)} sessions/s (-t rpush ÷ 3)`);
  }
  if (r.legacy)
    row("herald / legacy (Node)", `${(rate / r.legacy.sessionsPerSec).toFixed(1)}×   (target ≥ 30×)`);
  if (r.legacyTcp)
    row("herald / legacy (Node, TCP)", `${(rate / r.legacyTcp.sessionsPerSec).toFixed(1)}×   (target ≥ 30×)`);
  if (r.legacyPython)
    row("herald / legacy (Python)", `${(rate / r.legacyPython.sessionsPerSec).toFixed(1)}×   (target ≥ 30×)`);
  if (r.ceiling) {
    row("herald / ceiling", `${((100 * rate) / r.ceiling.sessionsPerSec).toFixed(0)}%   (target ≥ 35%)`);
    row("herald / ceiling, issue's formula", `${((100 * rate) / r.ceiling.rpushDiv3).toFixed(0)}%`);
  }
  const idle = r.probe.idle;
  if (idle) row("other client GET, idle", latency(idle));
  if (r.probe.legacy) row("other client GET, legacy (Node)", latency(r.probe.legacy));
  const tcp = r.probe["legacy tcp"];
  if (tcp) row("other client GET, legacy (Node, TCP)", latency(tcp));
  const py = r.probe["legacy python"];
  if (py) row("other client GET, legacy (Python)", latency(py));
  if (herald.length > 0) {
    row(
      "other client GET, herald",
      `${latency(herald[r.runs.indexOf(run)] ?? herald[0]!)}; p99 of each run: ${herald.map((h) => fmtMs(h.p99)).join(", ")}`,
    );
  }
  row(
    "peak RSS (bench process)",
    `${fmtMB(r.rssAfter)} (${fmtMB(r.rssBefore)} before the fan-out)${N >= 1_000_000 ? "   (target ≤ 250 MB)" : ""}`,
  );
  if (r.legacy)
    row(
      "peak RSS (legacy processes)",
      `Node ${fmtMB(r.legacy.peakRss)}${r.legacyTcp ? ` (TCP ${fmtMB(r.legacyTcp.peakRss)})` : ""}${r.legacyPython ? `, Python ${fmtMB(r.legacyPython.peakRss)}` : ""}`,
    );
  const c = run.cpu;
  row(
    "CPU per session",
    `redis ${c.redis.toFixed(1)} µs (sys ${c.redisSys.toFixed(1)}), bench process ${c.bench.toFixed(1)} µs (sys ${c.benchSys.toFixed(1)}); ` +
      `medians of the runs: ${median(r.runs.map((x) => x.cpu.redis)).toFixed(1)} / ${median(r.runs.map((x) => x.cpu.bench)).toFixed(1)}`,
  );
  for (const name of ["evalsha", "scan"]) {
    const m = new RegExp(`cmdstat_${name}:calls=(\\d+),usec=(\\d+),usec_per_call=([\\d.]+)`).exec(
      run.commandstats,
    );
    if (m) {
      row(
        `redis: ${name.toUpperCase()}`,
        `${fmtInt(Number(m[1]))} calls, ${fmtInt(Number(m[3]))} µs/call, ${(Number(m[2]) / 1e6).toFixed(2)} s in all`,
      );
    }
  }
  const us = [...run.slowUs].sort((a, b) => b - a);
  const over = (ms: number) => us.filter((u) => u > ms * 1000).length;
  row(
    "redis: calls over 2 / 5 / 10 ms",
    `${over(2)} / ${over(5)} / ${over(10)}${us.length ? ` (slowest ${fmtMs(us[0]! / 1000)})` : ""}` +
      (run.latency.length ? `; LATENCY max: ${run.latency.map((l) => `${l[0]} ${l[3]} ms`).join(", ")}` : ""),
  );
  const problems = r.runs.flatMap((x, i) => x.problems.map((p) => `run ${i + 1}: ${p}`));
  row(
    "verified",
    problems.length
      ? `FAILED: ${problems.join("; ")}`
      : `after each run every session held exactly one copy; counters and ${fmtInt(N)} records exact`,
  );
  if (opts.profile) {
    lines.push("", "INFO commandstats of the median run:");
    for (const l of run.commandstats.split("\n")) if (l.startsWith("cmdstat_")) lines.push(`  ${l.trim()}`);
  }
  console.log(lines.join("\n"));
}

function latency(s: LatencySummary): string {
  return `p50 ${fmtMs(s.p50)}, p99 ${fmtMs(s.p99)}, max ${fmtMs(s.max)} (${fmtInt(s.samples)} samples)`;
}
