import path from "node:path";
import { z } from "zod";

/**
 * Herald's configuration, read from the environment once and shared by the server,
 * the route handlers (same process, separate bundle) and the CLI.
 */
/** pino's level names: anything else makes pino throw, so it is checked here first. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const boolish = z
  .enum(["1", "0", "true", "false", "yes", "no"])
  .transform((v) => v === "1" || v === "true" || v === "yes");

/** One seed node of a Redis Cluster. */
export interface ClusterNode {
  host: string;
  port: number;
}

const ClusterNodeSchema = z
  .string()
  .trim()
  .regex(/^[^\s:,]+:\d{1,5}$/, "each node must be host:port")
  .transform((s, ctx): ClusterNode => {
    const at = s.lastIndexOf(":");
    const port = Number(s.slice(at + 1));
    if (port < 1 || port > 65535) ctx.addIssue({ code: "custom", message: `port out of range in ${s}` });
    return { host: s.slice(0, at), port };
  });

/** `host:port,host:port,…`: seed nodes (any masters; the client learns the rest of the cluster from them). */
const ClusterNodesSchema = z
  .string()
  .transform((s) => s.split(",").filter((part) => part.trim() !== ""))
  .pipe(z.array(ClusterNodeSchema).min(1, "give at least one host:port"));

export const ConfigSchema = z.object({
  /** HTTP port of the custom server (Next + Socket.IO). */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Interface to listen on. */
  HOST: z.string().min(1).default("0.0.0.0"),
  /** External Redis (redis://, rediss://, unix:///path). Unset: embedded redis-server under HERALD_DATA_DIR. */
  REDIS_URL: z.string().min(1).optional(),
  /** Redis Cluster seed nodes, `host:port,host:port,…`, instead of REDIS_URL (no embedded Redis then). */
  REDIS_CLUSTER_NODES: ClusterNodesSchema.optional(),
  /** Where the embedded Redis keeps its data and Herald its generated secrets. */
  HERALD_DATA_DIR: z.string().min(1).default(".data"),
  /** Prefix of the chat app's session keys. Must end with ':'. */
  HERALD_SESSION_PREFIX: z
    .string()
    .min(2)
    .regex(/:$/, "must end with ':'")
    .refine((p) => !p.startsWith("herald:"), "must not overlap Herald's own keys")
    .default("session:"),
  /** Suffix of a session's message list. Must start with ':'. */
  HERALD_MESSAGES_SUFFIX: z
    .string()
    .min(2)
    .regex(/^:[^:]+$/, "must be ':' followed by a name without ':'")
    .default(":messages"),
  /** TTL set on message lists Herald writes to; 0 leaves lists without expiry. */
  HERALD_MESSAGE_TTL_SECONDS: z.coerce.number().int().min(0).max(31_536_000).default(604_800),
  /** TTL of the session data key created for a new chat-page visitor. */
  HERALD_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(31_536_000).default(1_209_600),
  /** Sessions handled by one fan-out script call (keeps each call short). */
  HERALD_FANOUT_BATCH: z.coerce.number().int().min(1).max(5000).default(250),
  /** SCAN COUNT hint for discovery. */
  HERALD_SCAN_COUNT: z.coerce.number().int().min(10).max(100_000).default(1000),
  /** How long a preview of all sessions counts before it answers with estimates and a point to go on from (0: one SCAN page). */
  HERALD_PREVIEW_BUDGET_MS: z.coerce.number().int().min(0).max(60_000).default(1500),
  /** How long a session counts as online after its instance last vouched for it (refreshed every third of it): a crashed instance's clients drop out within this. */
  HERALD_PRESENCE_TTL_SECONDS: z.coerce.number().int().min(3).max(3600).default(60),
  /** Broadcast jobs this instance's worker runs at once (0: this instance runs none). */
  HERALD_WORKER_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(2),
  /** A job's lock: a run whose process died is taken up again within about 1.7x this. */
  HERALD_JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(20_000),
  /** Runs of one broadcast that may fail (Redis unreachable) before it is given up. */
  HERALD_JOB_ATTEMPTS: z.coerce.number().int().min(1).max(10_000).default(100),
  /** New chat sessions one client address (IPv6: one /64) may open at once… */
  HERALD_NEW_SESSIONS_BURST: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** …and then per hour. */
  HERALD_NEW_SESSIONS_PER_HOUR: z.coerce.number().int().min(1).max(10_000_000).default(60),
  /** Chat messages one client address may send at once (every session it has together)… */
  HERALD_ADDRESS_MESSAGES_BURST: z.coerce.number().int().min(1).max(1_000_000).default(60),
  /** …and then per minute. */
  HERALD_ADDRESS_MESSAGES_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(120),
  /** A session's list takes no more user messages once it holds this many entries. */
  HERALD_USER_HISTORY_MAX: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** Refuse new sessions and user messages while Redis uses this % of maxmemory (0: never). */
  HERALD_MEMORY_GUARD_PERCENT: z.coerce.number().min(0).max(100).default(90),
  AUTH_SECRET: z.string().min(16).optional(),
  NEXTAUTH_SECRET: z.string().min(16).optional(),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  /** Require a bearer token on GET /metrics. */
  HERALD_METRICS_PUBLIC: boolish.default(false),
  /** Believe X-Forwarded-For/-Host/-Proto (set it only behind a reverse proxy that sets them). */
  HERALD_TRUST_PROXY: boolish.default(false),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
});

export type RawConfig = z.infer<typeof ConfigSchema>;

export interface Config extends RawConfig {
  /** Absolute data directory. */
  dataDir: string;
  /** True when Herald must start (or reuse) its own redis-server. */
  embeddedRedis: boolean;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = ConfigSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const raw = result.data;
  if (raw.REDIS_URL !== undefined && raw.REDIS_CLUSTER_NODES !== undefined) {
    // Two answers to "which Redis?": refuse rather than pick one behind the operator's back.
    throw new ConfigError(
      "Invalid configuration:\n  REDIS_CLUSTER_NODES: set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a cluster), not both",
    );
  }
  return {
    ...raw,
    dataDir: path.resolve(raw.HERALD_DATA_DIR),
    embeddedRedis: raw.REDIS_URL === undefined && raw.REDIS_CLUSTER_NODES === undefined,
  };
}

const CONFIG = Symbol.for("herald.config");
type Holder = { [CONFIG]?: Config };

/** The process-wide configuration, parsed on first use (shared across bundles through globalThis). */
export function getConfig(): Config {
  const g = globalThis as Holder;
  g[CONFIG] ??= parseConfig();
  return g[CONFIG];
}

/** Drop the cached configuration (tests, or after the embedded Redis set REDIS_URL). */
export function resetConfig(): void {
  delete (globalThis as Holder)[CONFIG];
}
