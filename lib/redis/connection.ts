import { Cluster, Redis, type RedisOptions } from "ioredis";
import { type ClusterNode, getConfig } from "../config";
import { getLogger } from "../log";
import { observeRedisError, type RedisErrorKind } from "../metrics";
import { registerScripts } from "./scripts";

/** Where to reach Redis: an URL (redis://, rediss://) or a unix socket path (unix:///path or a bare path). */
export function redisOptionsFromUrl(url: string): RedisOptions & { path?: string } {
  if (url.startsWith("unix://")) return { path: url.slice("unix://".length) };
  if (url.startsWith("/")) return { path: url };
  const u = new URL(url);
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new Error(`REDIS_URL must be redis://, rediss:// or unix:// (got ${u.protocol})`);
  }
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined,
    tls: u.protocol === "rediss:" ? {} : undefined,
  };
}

export type HeraldRedis = ReturnType<typeof registerScripts>;

/** Deadline of one command: routes answer 503 within 3 s while Redis is stalled. */
export const COMMAND_TIMEOUT_MS = 2000;

export interface ConnectionOptions {
  /** For blocking commands (BullMQ workers): no command deadline, retried until Redis is back. */
  blocking?: boolean;
  /** Override the command deadline (a long admin scan, a benchmark). */
  commandTimeoutMs?: number;
  /** On a cluster: subscribe with SSUBSCRIBE per master (Socket.IO's sharded adapter). */
  shardedSubscribers?: boolean;
}

/** Where a connection goes: one Redis (URL or unix socket), or the seed nodes of a Redis Cluster. */
export type RedisTarget = string | readonly ClusterNode[];

/**
 * Open a new connection. `role` names it in logs and CLIENT LIST; a subscriber must
 * get its own connection (a subscribed connection cannot run commands). Without `target`, the
 * configuration decides: REDIS_CLUSTER_NODES (a Cluster client) or REDIS_URL.
 */
export function createRedis(role: string, target?: RedisTarget, opts: ConnectionOptions = {}): HeraldRedis {
  const config = getConfig();
  const where = target ?? config.REDIS_CLUSTER_NODES ?? config.REDIS_URL;
  if (!where) throw new Error("Redis location unknown: set REDIS_URL or start the embedded Redis first");
  const blocking = opts.blocking === true;
  const perNode: RedisOptions = {
    connectionName: `herald:${role}`,
    // Fail a command instead of queueing it forever while Redis is down: callers answer 503.
    // A blocking connection (BullMQ's worker) must wait for Redis instead: BullMQ retries itself.
    maxRetriesPerRequest: blocking ? null : 2,
    // A stalled Redis (SIGSTOP, a long script, a full network buffer) answers nothing and closes
    // nothing: without a deadline every caller would hang with it.
    commandTimeout: blocking ? undefined : (opts.commandTimeoutMs ?? COMMAND_TIMEOUT_MS),
  };
  const client =
    typeof where === "string"
      ? new Redis({
          ...redisOptionsFromUrl(where),
          ...perNode,
          retryStrategy: (times) => Math.min(times * 100, 2000),
          lazyConnect: false,
        })
      : createCluster(where, perNode, opts);
  watchErrors(client, role);
  return registerScripts(client);
}

/**
 * A Redis Cluster client. It has the same commands as a single Redis (ioredis routes each by
 * its key's slot and follows MOVED/ASK), so it is typed as one: the few code paths that must
 * differ on a cluster (SCAN of every master, per-slot grouping) ask `clusterOf()`.
 */
function createCluster(nodes: readonly ClusterNode[], perNode: RedisOptions, opts: ConnectionOptions): Redis {
  const cluster = new Cluster(
    nodes.map((n) => ({ host: n.host, port: n.port })),
    {
      redisOptions: perNode,
      clusterRetryStrategy: (times) => Math.min(times * 100, 2000),
      // A reshard moves slots: refresh the map often so few commands take the MOVED detour.
      slotsRefreshInterval: 2000,
      // Socket.IO's sharded adapter subscribes with SSUBSCRIBE on the node of each channel's slot.
      shardedSubscribers: opts.shardedSubscribers === true,
    },
  );
  return cluster as unknown as Redis;
}

/** The Cluster behind a connection, or null on a single Redis. */
export function clusterOf(redis: Redis): Cluster | null {
  return (redis as unknown as { isCluster?: boolean }).isCluster === true
    ? (redis as unknown as Cluster)
    : null;
}

function watchErrors(client: Redis | Cluster, role: string): void {
  const log = getLogger();
  let lastError = "";
  client.on("error", (err: Error) => {
    observeRedisError("connection");
    // ioredis emits the same error on every retry; log a change once.
    if (err.message !== lastError) log.warn({ role, err: err.message }, "redis connection error");
    lastError = err.message;
  });
  client.on("ready", () => {
    if (lastError) log.info({ role }, "redis connection restored");
    lastError = "";
  });
  // A Cluster routes commands through its own sendCommand too: counted the same way.
  countCommandFailures(client as Redis);
}

/**
 * Count every failed command in `herald_redis_errors_total` (pipelines and scripts go through
 * sendCommand too). One extra handler per command: cheap, and the caller's handling is unchanged.
 */
function countCommandFailures(client: Redis): void {
  const send = client.sendCommand.bind(client);
  // A command queued while disconnected goes through sendCommand again on reconnect: count it once.
  const watched = new WeakSet<object>();
  client.sendCommand = ((...args: Parameters<Redis["sendCommand"]>) => {
    const command = args[0];
    if (!watched.has(command) && !isHandshakeProbe(command)) {
      watched.add(command);
      command.promise.catch((err: unknown) => {
        const kind = redisErrorKind(err);
        if (kind) observeRedisError(kind);
      });
    }
    return send(...args);
  }) as Redis["sendCommand"];
}

/** ioredis sends CLIENT SETINFO on connect and ignores its refusal by a Redis older than 7.2. */
function isHandshakeProbe(command: Parameters<Redis["sendCommand"]>[0]): boolean {
  return command.name.toLowerCase() === "client" && String(command.args[0]).toLowerCase() === "setinfo";
}

/** The kind of a failed command, or null when it is no Redis failure (NOSCRIPT: ioredis resends). */
export function redisErrorKind(err: unknown): RedisErrorKind | null {
  if (!(err instanceof Error) || err.message.startsWith("NOSCRIPT")) return null;
  if (/Command timed out/i.test(err.message)) return "timeout";
  if (isRedisUnavailable(err)) return "unavailable";
  return err.name === "ReplyError" ? "reply" : null;
}

const SHARED = Symbol.for("herald.redis.shared");
type Holder = { [SHARED]?: Map<string, HeraldRedis> };

/**
 * The process-wide command connection for `role` (default "main"), opened lazily on first use,
 * never at import time (so `next build` opens nothing).
 */
export function getRedis(role = "main"): HeraldRedis {
  const g = globalThis as Holder;
  g[SHARED] ??= new Map();
  let client = g[SHARED].get(role);
  if (!client) {
    client = createRedis(role);
    g[SHARED].set(role, client);
  }
  return client;
}

/** Close every shared connection (server shutdown, end of a CLI command, tests). */
export async function closeRedis(): Promise<void> {
  const g = globalThis as Holder;
  const clients = [...(g[SHARED]?.values() ?? [])];
  g[SHARED]?.clear();
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
}

/** True when the error means Redis could not be reached (mapped to 503). */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const msg = err.message;
  return (
    err.name === "MaxRetriesPerRequestError" ||
    /Connection is closed|Command timed out|ECONNREFUSED|ENOENT|ETIMEDOUT|ECONNRESET|EPIPE|Stream isn't writeable|enableOfflineQueue|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN/i.test(
      msg,
    )
  );
}
