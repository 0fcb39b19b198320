import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Deps } from "./context";
import { onlineCount } from "./sessions/presence";

/**
 * Prometheus metrics, one registry per process (shared across bundles through globalThis: the
 * custom server, its broadcast worker and the Next route bundle each load this module).
 * Counters are bumped where the work happens; gauges that live in Redis are read on scrape.
 */
export interface HeraldMetrics {
  registry: Registry;
  broadcasts: Counter<"status">;
  sessions: Counter<"outcome">;
  fanoutSeconds: Histogram;
  receipts: Counter<"kind">;
  sockets: Gauge;
  /** Legacy `app_messages_sent`: one per broadcast sent (kept so existing dashboards still work). */
  legacySent: Counter;
  /** Legacy `app_messages_total`: messages added to session histories, system (broadcast copies) and user. */
  legacyMessages: Counter;
  redisErrors: Counter<"kind">;
}

/** What a Redis failure was, as `herald_redis_errors_total{kind}` tells it. */
export type RedisErrorKind = "connection" | "timeout" | "unavailable" | "reply";

/** Job states reported by `herald_jobs{state}`. */
export const JOB_STATES = ["waiting", "active", "delayed", "failed"] as const;
export type JobCounts = Partial<Record<(typeof JOB_STATES)[number], number>>;

/** A scrape never waits longer than this on Redis: a stalled Redis must not stall the scrape. */
export const SCRAPE_REDIS_DEADLINE_MS = 500;

const METRICS = Symbol.for("herald.metrics");
type Holder = { [METRICS]?: HeraldMetrics };

export function getMetrics(): HeraldMetrics {
  const g = globalThis as Holder;
  g[METRICS] ??= createMetrics();
  return g[METRICS];
}

function createMetrics(): HeraldMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "herald_process_" });
  const registers = [registry];
  return {
    registry,
    broadcasts: new Counter({
      name: "herald_broadcasts_total",
      help: "Broadcast runs finished, by status",
      labelNames: ["status"],
      registers,
    }),
    sessions: new Counter({
      name: "herald_broadcast_sessions_total",
      help: "Per-session fan-out outcomes",
      labelNames: ["outcome"],
      registers,
    }),
    fanoutSeconds: new Histogram({
      name: "herald_fanout_duration_seconds",
      help: "Duration of a broadcast's fan-out",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    receipts: new Counter({
      name: "herald_receipts_total",
      help: "Client receipts recorded",
      labelNames: ["kind"],
      registers,
    }),
    sockets: new Gauge({
      name: "herald_sockets_connected",
      help: "End-user sockets connected to this instance",
      registers,
    }),
    // The legacy app's names, types and (absent) labels, exactly: dashboards query them as they are.
    legacySent: new Counter({
      name: "app_messages_sent",
      help: "Broadcasts sent (legacy name: one per broadcast that reached its sessions)",
      registers,
    }),
    legacyMessages: new Counter({
      name: "app_messages_total",
      help: "Messages added to session histories: broadcast copies stored and user messages (legacy name)",
      registers,
    }),
    redisErrors: new Counter({
      name: "herald_redis_errors_total",
      help: "Redis failures seen by this process: connection error events, command timeouts, commands failed while Redis was unreachable, error replies",
      labelNames: ["kind"],
      registers,
    }),
  };
}

/** Record a finished broadcast run (called once per run that reaches its end). */
export function observeBroadcast(
  summary: { status: string; stored: number; duplicates: number; failed: number },
  seconds: number,
): void {
  const m = getMetrics();
  m.broadcasts.inc({ status: summary.status });
  m.sessions.inc({ outcome: "stored" }, summary.stored);
  m.sessions.inc({ outcome: "duplicate" }, summary.duplicates);
  m.sessions.inc({ outcome: "failed" }, summary.failed);
  m.fanoutSeconds.observe(seconds);
  // Legacy meaning: a broadcast that reached its sessions was "sent"; each copy stored is a message.
  if (summary.status === "completed" || summary.status === "partial") m.legacySent.inc();
  m.legacyMessages.inc(summary.stored);
}

/** Count a user message added to a session's history (legacy `app_messages_total`). */
export function observeUserMessage(): void {
  getMetrics().legacyMessages.inc();
}

export function observeRedisError(kind: RedisErrorKind): void {
  getMetrics().redisErrors.inc({ kind });
}

/** Readers of the gauges that live in Redis, injected so this module stays free of BullMQ. */
export interface ScrapeReaders {
  jobCounts?: () => Promise<JobCounts>;
}

/**
 * The exposition text, with the Redis-backed gauges read now. A gauge whose read fails or takes
 * longer than SCRAPE_REDIS_DEADLINE_MS is left out (absent, not 0): the rest is still served.
 */
export async function renderMetrics(
  deps: Deps,
  readers: ScrapeReaders = {},
): Promise<{ body: string; contentType: string }> {
  const m = getMetrics();
  const [online, jobs] = await Promise.all([
    withinDeadline(deps, "online count", () => onlineCount(deps.redis, deps.keys)),
    readers.jobCounts ? withinDeadline(deps, "job counts", readers.jobCounts) : undefined,
  ]);
  const merged = Registry.merge([m.registry, new Registry()]);
  if (online !== undefined) {
    const gauge = new Gauge({
      name: "herald_sessions_online",
      help: "Sessions with a live socket (all instances)",
      registers: [merged],
    });
    gauge.set(online);
  }
  if (jobs !== undefined) {
    const gauge = new Gauge({
      name: "herald_jobs",
      help: "Jobs in the broadcast queue (all instances), by state",
      labelNames: ["state"],
      registers: [merged],
    });
    for (const state of JOB_STATES) gauge.set({ state }, jobs[state] ?? 0);
  }
  return { body: await merged.metrics(), contentType: m.registry.contentType };
}

async function withinDeadline<T>(deps: Deps, what: string, read: () => Promise<T>): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), SCRAPE_REDIS_DEADLINE_MS);
  });
  const value = read().catch((err: unknown) => {
    deps.log.debug({ err: String(err) }, `metrics: ${what} not read`);
    return undefined;
  });
  try {
    const result = await Promise.race([value, late]);
    if (result === undefined) deps.log.debug(`metrics: ${what} left out of this scrape`);
    return result;
  } finally {
    clearTimeout(timer);
  }
}
