import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Deps } from "./context";
import { onlineCount } from "./sessions/presence";

/**
 * Prometheus metrics, one registry per process (shared across bundles through globalThis).
 * Counters are bumped where the work happens; gauges that live in Redis are read on scrape.
 */
export interface HeraldMetrics {
  registry: Registry;
  broadcasts: Counter<"status">;
  sessions: Counter<"outcome">;
  fanoutSeconds: Histogram;
  receipts: Counter<"kind">;
  sockets: Gauge;
}

const METRICS = Symbol.for("herald.metrics");
type Holder = { [METRICS]?: HeraldMetrics };

export function getMetrics(): HeraldMetrics {
  const g = globalThis as Holder;
  if (!g[METRICS]) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: "herald_process_" });
    g[METRICS] = {
      registry,
      broadcasts: new Counter({
        name: "herald_broadcasts_total",
        help: "Broadcasts finished, by status",
        labelNames: ["status"],
        registers: [registry],
      }),
      sessions: new Counter({
        name: "herald_broadcast_sessions_total",
        help: "Per-session fan-out outcomes",
        labelNames: ["outcome"],
        registers: [registry],
      }),
      fanoutSeconds: new Histogram({
        name: "herald_fanout_duration_seconds",
        help: "Duration of a broadcast's fan-out",
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
      receipts: new Counter({
        name: "herald_receipts_total",
        help: "Client receipts recorded",
        labelNames: ["kind"],
        registers: [registry],
      }),
      sockets: new Gauge({
        name: "herald_sockets_connected",
        help: "End-user sockets connected to this instance",
        registers: [registry],
      }),
    };
  }
  return g[METRICS];
}

/** Record a finished broadcast (called once per fan-out). */
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
}

/** The exposition text, with the Redis-backed gauges read now. */
export async function renderMetrics(deps: Deps): Promise<{ body: string; contentType: string }> {
  const m = getMetrics();
  const online = new Gauge({
    name: "herald_sessions_online",
    help: "Sessions with a live socket (all instances)",
    registers: [],
  });
  online.set(await onlineCount(deps.redis, deps.keys));
  const merged = Registry.merge([m.registry, new Registry()]);
  merged.registerMetric(online);
  return { body: await merged.metrics(), contentType: m.registry.contentType };
}
