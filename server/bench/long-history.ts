/**
 * `npm run bench -- --long-history`: does a session's history cost the fan-out anything? The
 * same broadcast (lib's code, records and checks included) to N seeded sessions, first as
 * seeded (5 messages or none), then after 1% of them got 100,000-entry lists; each time with
 * the duplicate check by marks (today's) and by searching the lists (broadcasts created before
 * marks, and a cluster). Reports each rate against the 5-message one of the same run, and the
 * Redis calls over 5 ms (SLOWLOG). Every run is verified (one copy per session) and undone.
 */
import type { Deps } from "../../lib/context";
import { closeRedis } from "../../lib/redis/connection";
import { escapeGlob } from "../../lib/redis/keys";
import { seedDemoSessions } from "../../lib/sessions/demo";
import { type HeraldRun, runHerald } from "./herald-run";
import { startProbe } from "./probe-client";
import { depsOnBenchRedis, startBenchRedis } from "./redis-server";
import { fmtInt } from "./stats";

export interface LongHistoryOptions {
  sessions: number;
  runs: number;
  /** Share of the sessions given a long list (0.01). */
  share: number;
  /** Entries in each long list (100,000). */
  entries: number;
  batchSize?: number;
  concurrency?: number;
  log: (line: string) => void;
}

type Check = "marks" | "lists";
interface Phase {
  history: string;
  check: Check;
  runs: HeraldRun[];
}

export async function benchLongHistory(o: LongHistoryOptions): Promise<void> {
  const server = await startBenchRedis();
  try {
    const deps = depsOnBenchRedis(server);
    o.log(`seeding ${fmtInt(o.sessions)} sessions…`);
    const seeded = await seedDemoSessions(deps.redis, deps.keys, {
      sessions: o.sessions,
      emptyRatio: 0.5,
      messages: 5,
      ttlSeconds: deps.config.HERALD_SESSION_TTL_SECONDS,
    });
    const probe = await startProbe(server.url);
    const phases: Phase[] = [];
    // Both checks alternate run by run (and which goes first), so the machine's drift touches them alike.
    const timed = async (history: string) => {
      const marks: Phase = { history, check: "marks", runs: [] };
      const lists: Phase = { history, check: "lists", runs: [] };
      for (let i = 1; i <= o.runs; i++)
        for (const phase of i % 2 ? [marks, lists] : [lists, marks]) {
          o.log(`herald, ${history}, duplicate check by ${phase.check}: ${i}/${o.runs}…`);
          phase.runs.push(
            await runHerald(deps, {
              sessions: o.sessions,
              empty: seeded.empty,
              estimate: true,
              batchSize: o.batchSize,
              concurrency: o.concurrency,
              searchLists: phase.check === "lists",
              probe,
              phase: `${history} ${phase.check} ${i}`,
              restore: true,
            }),
          );
        }
      phases.push(marks, lists);
    };
    await timed("5 messages");
    const long = Math.round(o.sessions * o.share);
    o.log(`lengthening ${fmtInt(long)} lists to ${fmtInt(o.entries)} entries…`);
    await lengthenLists(deps, long, o.entries);
    await timed(`${o.share * 100}% at ${fmtInt(o.entries)}`);
    probe.stop();
    const memory = /used_memory_human:(\S+)/.exec(await deps.redis.info("memory"))?.[1] ?? "?";
    printLongHistory(phases, o, memory);
    process.exitCode = phases.some((p) => p.runs.some((r) => r.problems.length > 0)) ? 1 : 0;
  } finally {
    await closeRedis();
    await server.stop();
  }
}

/**
 * Give `count` seeded lists `entries` entries each, the seeded messages kept at the tail: one
 * filler list is built, then COPY'd over each (a memory copy in Redis, no round trip per entry).
 */
async function lengthenLists(deps: Deps, count: number, entries: number): Promise<void> {
  const { redis, keys } = deps;
  const filler = "herald-bench:filler";
  await redis.del(filler);
  const chunk = Array.from({ length: 1000 }, (_, i) => `{"id":"old${i}","type":"user"}`);
  for (let n = 0; n < entries; n += chunk.length)
    await redis.rpush(filler, ...chunk.slice(0, Math.min(chunk.length, entries - n)));
  const suffix = keys.layout.messagesSuffix;
  const match = `${escapeGlob(keys.layout.sessionPrefix)}*${escapeGlob(suffix)}`;
  let cursor = "0";
  let done = 0;
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", match, "COUNT", 100);
    cursor = next;
    // Few lists per pipeline: each COPY moves MBs, and a long pipeline outlasts the command timeout.
    const lists = found.slice(0, count - done);
    const read = redis.pipeline();
    for (const l of lists) read.lrange(l, 0, -1).pttl(l);
    const got = (await read.exec()) ?? [];
    const write = redis.pipeline();
    lists.forEach((l, i) => {
      const messages = got[2 * i]?.[1] as string[];
      const ttl = got[2 * i + 1]?.[1] as number;
      write.copy(filler, l, "REPLACE");
      if (messages.length > 0) write.rpush(l, ...messages);
      if (ttl > 0) write.pexpire(l, ttl);
    });
    await write.exec();
    done += lists.length;
  } while (cursor !== "0" && done < count);
  await redis.del(filler);
  if (done < count) throw new Error(`found only ${done} lists to lengthen, wanted ${count}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function printLongHistory(phases: Phase[], o: LongHistoryOptions, memory: string): void {
  const rateOf = (p: Phase) => median(p.runs.map((r) => r.rate));
  const base = (check: Check) => phases.find((p) => p.check === check && p.history === "5 messages");
  const lines = [
    "",
    `Long histories: ${fmtInt(o.sessions)} sessions (half with 5 messages, half without), then ${o.share * 100}% of them with ${fmtInt(o.entries)}-entry lists (Redis used_memory ${memory} at the end)`,
    "| history | duplicate check | sessions/s (runs; median) | vs 5 messages, same check | CPU µs per session, redis / bench process (medians) | Redis calls > 5 ms (each run) | which (all runs) | slowest call | verified |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const p of phases) {
    const rate = rateOf(p);
    const b = base(p.check);
    const ratio = b ? rate / rateOf(b) : Number.NaN;
    const over5 = p.runs.map((r) => r.slowUs.filter((us) => us > 5000).length);
    const slowest = Math.max(0, ...p.runs.flatMap((r) => r.slowUs)) / 1000;
    const which = new Map<string, number>();
    for (const c of p.runs.flatMap((r) => r.slowCalls))
      if (c.us > 5000) which.set(c.command, (which.get(c.command) ?? 0) + 1);
    const problems = p.runs.flatMap((r) => r.problems);
    lines.push(
      `| ${p.history} | ${p.check} | ${p.runs.map((r) => fmtInt(r.rate)).join(" / ")}; **${fmtInt(rate)}** | ${ratio.toFixed(2)}× | ${median(p.runs.map((r) => r.cpu.redis)).toFixed(1)} / ${median(p.runs.map((r) => r.cpu.bench)).toFixed(1)} | ${over5.join(", ")} | ${[...which].map(([c, n]) => `${c} ${n}`).join(", ") || "none"} | ${slowest > 0 ? `${slowest.toFixed(1)} ms` : "< 2 ms"} | ${problems.length === 0 ? "one copy each, exact counts" : problems.join("; ")} |`,
    );
  }
  const marks = phases.filter((p) => p.check === "marks");
  const lists = phases.filter((p) => p.check === "lists");
  if (marks.length === 2 && lists.length === 2)
    lines.push(
      "",
      `marks vs lists, same run: ${(rateOf(marks[0]!) / rateOf(lists[0]!)).toFixed(2)}× at 5 messages, ${(rateOf(marks[1]!) / rateOf(lists[1]!)).toFixed(2)}× with long histories`,
    );
  console.log(lines.join("\n"));
}
