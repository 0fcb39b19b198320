/**
 * Fan-out benchmark (`npm run bench -- [--sessions N] [--legacy-sample M]`): one run on its own
 * throw-away redis-server. Seeds N sessions, times the legacy algorithm, Herald's fan-out (the
 * same lib/ code the API runs, delivery records and live pushes included) and the Redis
 * ceiling, measures what each costs another Redis client, verifies one copy per session and
 * exact counters, and prints the ratios. A measurement, never a test: it fails only when the
 * result is wrong, never because it is slow.
 */
import { writeFileSync } from "node:fs";
import { getEmitters } from "../../lib/realtime/emitter";
import { closeRedis } from "../../lib/redis/connection";
import type { SeedResult } from "../../lib/sessions/demo";
import { benchAdmin } from "./admin";
import { hasRedisBenchmark, measureCeiling } from "./ceiling";
import { ask, forkHelper, killHelpers } from "./children";
import { benchCluster } from "./cluster";
import { type HeraldRun, runHerald } from "./herald-run";
import type { LegacyResult } from "./legacy";
import { findPython, runPythonLegacy } from "./legacy-python";
import { benchLongHistory } from "./long-history";
import { startProbe } from "./probe-client";
import { depsOnBenchRedis, startBenchRedis } from "./redis-server";
import { type BenchReport, printReport } from "./report";
import { fmtInt, intArg, parseArgs, peakRss } from "./stats";

const args = parseArgs(process.argv.slice(2), {
  strings: ["sessions", "legacy-sample", "runs", "batch", "concurrency", "cpu-prof", "json"],
  flags: [
    "no-emit",
    "no-estimate",
    "no-python",
    "no-ceiling",
    "profile",
    "cluster",
    "long-history",
    "admin",
    "no-tcp",
  ],
});
if (args.help) {
  console.log(`npm run bench -- [options]
  --sessions N          sessions to seed (default 100000; half empty, half with 5 messages)
  --legacy-sample M     sessions the legacy loop writes to; its rate is extrapolated to N
                        (default: all of them up to 100000, else 100000); 0 skips the legacy run
  --runs R              timed Herald runs, the median is reported (default 3; 1 above 200000 sessions)
  --batch B             sessions per fan-out script call (default: HERALD_FANOUT_BATCH, as the API)
  --concurrency C       batches in flight (default: lib's, as the API)
  --no-emit             do not publish live pushes (default: publish, as the API does)
  --no-estimate         no progress estimate (default: estimate, as the API does)
  --no-python           skip the legacy loop in Python (run when python3 has redis-py)
  --no-tcp              skip the legacy loop over TCP (default: run it beside the unix-socket one)
  --no-ceiling          skip redis-benchmark
  --profile             print Redis INFO commandstats and the slowest calls of the median run
  --cpu-prof FILE       CPU profile of the bench process during the first Herald run
  --json FILE           also write the figures as JSON
  --cluster             the same broadcast on one redis-server and on a local 3-master Redis
                        Cluster (uses --sessions, --runs, --batch, --concurrency only)
  --long-history        the fan-out as seeded, then with 1% of the sessions holding 100,000-entry
                        lists, duplicate check by marks and by list search; rates vs the 5-message
                        case of the same run, and Redis calls over 5 ms (uses --sessions, --runs,
                        --batch, --concurrency only)
  --admin               the admin's reads at 1,000,000 sessions (or --sessions) with one broadcast's
                        records: preview, sessions pages per filter, report pages per status,
                        report search; median of --runs (default 3)`);
  process.exit(0);
}
const N = intArg(args, "sessions", 100_000, 1);
const legacySample = intArg(args, "legacy-sample", Math.min(N, 100_000));
const runs = intArg(args, "runs", N > 200_000 ? 1 : 3, 1);
const batchSize = args.batch ? intArg(args, "batch", 0, 1) : undefined;
const concurrency = args.concurrency ? intArg(args, "concurrency", 0, 1) : undefined;
const log = (s: string) => process.stderr.write(`${s}\n`);

if (args.cluster) {
  await benchCluster({ sessions: N, runs, batchSize, concurrency, log });
  process.exit(0);
}
if (args.admin) {
  await benchAdmin({
    sessions: intArg(args, "sessions", 1_000_000, 1),
    runs: intArg(args, "runs", 3, 1),
    log,
  });
  process.exit();
}
if (args["long-history"]) {
  await benchLongHistory({ sessions: N, runs, share: 0.01, entries: 100_000, batchSize, concurrency, log });
  process.exit();
}

const redisServer = await startBenchRedis({ tcp: !args["no-tcp"] && legacySample > 0 });
try {
  const deps = depsOnBenchRedis(redisServer);
  const { redis, keys, config } = deps;
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info("server"))?.[1] ?? "?";
  const layoutArgs = [keys.layout.sessionPrefix, keys.layout.messagesSuffix];

  // 1. Seed, in a process of its own (Herald's demo seeder).
  const t = performance.now();
  let lastLog = 0;
  const seeder = forkHelper("seed-child.ts", [
    redisServer.url,
    String(N),
    "0.5",
    "5",
    String(config.HERALD_SESSION_TTL_SECONDS),
    ...layoutArgs,
  ]);
  const seeded = await ask(seeder, null, (m) => {
    const done = m.progress as number | undefined;
    if (done !== undefined && (performance.now() - lastLog > 2000 || done === N)) {
      lastLog = performance.now();
      log(`seeding: ${fmtInt(done)} / ${fmtInt(N)}`);
    }
    return m.seeded as SeedResult | undefined;
  });
  const seedMs = performance.now() - t;
  const rssBefore = peakRss();

  // The other client, from its own process; first a quiet second as the reference.
  const probe = await startProbe(redisServer.url);
  await probe.phase("idle");
  await new Promise((r) => setTimeout(r, 1000));
  await probe.phase(null);

  // 2. The legacy algorithm, in its own process as the legacy app was.
  const runLegacy = async (url: string, phase: string) => {
    log(`${phase}: ${legacySample < N ? `sample of ${fmtInt(legacySample)} sessions` : "all sessions"}…`);
    const child = forkHelper("legacy.ts", [
      url,
      String(legacySample),
      String(config.HERALD_MESSAGE_TTL_SECONDS),
      ...layoutArgs,
    ]);
    await probe.phase(phase);
    // The probe phase ends with the timed part; the child then undoes its writes.
    const undone = ask(child, null, (m) => (m.undone ? true : undefined));
    const result = await ask(child, null, (m) => m.result as LegacyResult | undefined);
    await probe.phase(null);
    await undone;
    return result;
  };
  const legacy = legacySample > 0 ? await runLegacy(redisServer.url, "legacy") : undefined;
  // The same loop over TCP on loopback, as the legacy app reached its Redis.
  const legacyTcp = redisServer.tcpUrl ? await runLegacy(redisServer.tcpUrl, "legacy tcp") : undefined;

  // 2b. The same loop as the legacy app ran it (Python, redis-py), when that is installed.
  let legacyPython: LegacyResult | undefined;
  const python = legacySample > 0 && !args["no-python"] ? findPython() : undefined;
  if (python) {
    log("legacy (Python, redis-py)…");
    const run = runPythonLegacy(python, [
      redisServer.socket,
      String(legacySample),
      String(config.HERALD_MESSAGE_TTL_SECONDS),
      ...layoutArgs,
    ]);
    await probe.phase("legacy python");
    legacyPython = await run.result;
    await probe.phase(null);
    await run.undone;
  } else if (legacySample > 0 && !args["no-python"]) {
    log(
      "python3 with redis-py not found: `apt-get install -y python3-redis` (Debian) to time the legacy app's own stack",
    );
  }

  // 3. Herald, `runs` times (each verified, then undone for the next).
  const emitters = args["no-emit"] ? undefined : getEmitters();
  const heraldRuns: HeraldRun[] = [];
  for (let i = 1; i <= runs; i++) {
    log(`herald: fan-out ${i}/${runs}…`);
    heraldRuns.push(
      await runHerald(deps, {
        sessions: N,
        empty: seeded.empty,
        emitters,
        estimate: !args["no-estimate"],
        batchSize,
        concurrency,
        probe,
        phase: `herald ${i}`,
        cpuProfile: i === 1 && typeof args["cpu-prof"] === "string" ? args["cpu-prof"] : undefined,
        restore: i < runs,
      }),
    );
  }
  const rssAfter = peakRss();

  // 4. The ceiling.
  let ceiling: Awaited<ReturnType<typeof measureCeiling>> | undefined;
  if (args["no-ceiling"]) {
    // skipped on request
  } else if (await hasRedisBenchmark()) {
    log("ceiling: redis-benchmark -P 64…");
    ceiling = await measureCeiling(
      redisServer.socket,
      heraldRuns[0]!.payload,
      JSON.stringify({ at: new Date().toISOString(), status: "stored", created: true }),
    );
  } else {
    log("redis-benchmark not found: `apt-get install -y redis-tools` (Debian) to measure the ceiling");
  }

  const probePhases = await probe.report();
  probe.stop();

  const report: BenchReport = {
    sessions: N,
    seeded,
    seedMs,
    redisVersion,
    legacy,
    legacyTcp,
    legacyPython,
    runs: heraldRuns,
    emit: !!emitters,
    ceiling,
    probe: probePhases,
    rssBefore,
    rssAfter,
  };
  printReport(report, { profile: !!args.profile });
  if (typeof args.json === "string") writeFileSync(args.json, JSON.stringify(report, null, 2));
  process.exitCode = heraldRuns.some((r) => r.problems.length > 0) ? 1 : 0;
} finally {
  killHelpers();
  await closeRedis();
  await redisServer.stop();
}
