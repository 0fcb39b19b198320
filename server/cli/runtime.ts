import os from "node:os";
import pino, { type Logger } from "pino";
import { ZodError } from "zod";
import { closeBroadcastQueue } from "../../lib/broadcasts/jobs";
import { ConfigError, getConfig, resetConfig } from "../../lib/config";
import type { Deps } from "../../lib/context";
import { HeraldError } from "../../lib/errors";
import { envLogLevel, getLogger } from "../../lib/log";
import { type Emitters, getEmitters } from "../../lib/realtime/emitter";
import { closeRedis, getRedis, type HeraldRedis, isRedisUnavailable } from "../../lib/redis/connection";
import { getKeys } from "../../lib/redis/keys";
import type { QueryDeps } from "../../lib/sessions/query";

/** Exit codes: 0 ok, 1 failure, 2 bad usage (arguments, input, configuration). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** An error that ends the command with one line on stderr and the given exit code. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** Option names shown for zod issue paths, per command (e.g. level -> --level). */
export type FieldNames = Record<string, string>;

/** A zod error as usage lines: "error: --level: Invalid option: expected one of ...". */
/** The line that ends every usage error, ours and commander's. */
export const USAGE_HINT = "(add --help for usage)";

export function usageErrorFromZod(err: ZodError, names: FieldNames = {}): CliError {
  const lines = err.issues.map((i) => {
    const head = i.path[0];
    const where = head === undefined ? (names[""] ?? "") : (names[String(head)] ?? String(head));
    return `error: ${where ? `${where}: ` : ""}${i.message}`;
  });
  return new CliError(lines.join("\n"), EXIT_USAGE);
}

/**
 * Route the shared pino logger to stderr before anything asks for it, so stdout carries only
 * the command's output (a token, the legacy line, JSON). Quiet by default: the CLI reports
 * failures itself; LOG_LEVEL=info|debug shows what the library logs.
 */
export function installCliLogger(): void {
  const holder = globalThis as { [k: symbol]: Logger | undefined };
  const level = envLogLevel("error");
  holder[Symbol.for("herald.logger")] = pino(
    {
      name: "herald",
      level,
      base: undefined,
      redact: ["password", "token"],
    },
    { write: (line: string) => process.stderr.write(formatLogLine(line)) },
  );
}

const LEVEL_NAMES: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/** One readable line per log record: "herald warn: msg key=value …". */
function formatLogLine(line: string): string {
  try {
    const { level, time: _t, name: _n, msg, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const extras = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" ");
    return `herald ${LEVEL_NAMES[Number(level)] ?? level}: ${msg ?? ""}${extras ? ` ${extras}` : ""}\n`;
  } catch {
    return line.endsWith("\n") ? line : `${line}\n`;
  }
}

export interface Runtime {
  deps: Deps;
  query: QueryDeps;
  /** Where Redis is, for messages (password hidden). */
  redisLabel: string;
  /** Socket.IO emitters (through Redis) so connected clients get what the command sends live. */
  emitters(): Emitters;
}

/** The author recorded on broadcasts sent from this shell. */
export function cliAuthor(): string {
  let user = process.env.USER || process.env.LOGNAME || "";
  try {
    user = os.userInfo().username || user;
  } catch {
    // no passwd entry (some containers): keep the environment's name
  }
  return `cli:${user || "unknown"}`;
}

function labelFor(url: string): string {
  try {
    if (url.startsWith("unix://") || url.startsWith("/")) return url;
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "REDIS_URL";
  }
}

/**
 * Run a command against Redis: REDIS_CLUSTER_NODES or REDIS_URL when set, else the embedded Redis (reused when the
 * server runs, otherwise started for this command and stopped after). Connections are always
 * closed so the process exits promptly.
 */
export async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
  let config = getConfig();
  let stopEmbedded: (() => Promise<void>) | undefined;
  const used: HeraldRedis[] = [];
  try {
    if (config.embeddedRedis) {
      const { ensureEmbeddedRedis } = await import("../embedded-redis");
      let embedded: Awaited<ReturnType<typeof ensureEmbeddedRedis>>;
      try {
        embedded = await ensureEmbeddedRedis({ dataDir: config.dataDir, log: getLogger() });
      } catch (err) {
        throw new CliError(
          `cannot start the embedded Redis: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      if (embedded.owned) stopEmbedded = () => embedded.stop();
      process.env.REDIS_URL = embedded.url;
      resetConfig();
      config = getConfig();
    }
    const redisLabel = config.REDIS_CLUSTER_NODES
      ? `cluster ${config.REDIS_CLUSTER_NODES.map((n) => `${n.host}:${n.port}`).join(",")}`
      : labelFor(config.REDIS_URL ?? "");
    let redis: HeraldRedis;
    try {
      redis = getRedis();
    } catch (err) {
      throw new CliError(`bad REDIS_URL: ${err instanceof Error ? err.message : String(err)}`, EXIT_USAGE);
    }
    used.push(redis);
    let lastError = "";
    redis.on("error", (err: Error) => {
      lastError = err.message;
    });
    try {
      await redis.ping();
    } catch (err) {
      const reason = lastError || (err instanceof Error ? err.message : String(err));
      throw new CliError(`cannot reach Redis at ${redisLabel}: ${reason}`);
    }
    const deps: Deps = { redis, keys: getKeys(), config, log: getLogger() };
    const rt: Runtime = {
      deps,
      query: { redis, keys: deps.keys, scanCount: config.HERALD_SCAN_COUNT },
      redisLabel,
      emitters() {
        const emitters = getEmitters();
        used.push(getRedis("emitter"));
        return emitters;
      },
    };
    try {
      return await fn(rt);
    } catch (err) {
      if (isRedisUnavailable(err)) {
        throw new CliError(
          `lost the connection to Redis at ${redisLabel}: ${lastError || (err as Error).message}`,
        );
      }
      throw err;
    }
  } finally {
    await shutdown(used);
    if (stopEmbedded) await stopEmbedded().catch(() => {});
  }
}

async function shutdown(used: HeraldRedis[]): Promise<void> {
  // A connection still retrying would wait for QUIT forever: cut it instead.
  for (const c of used) if (c.status !== "ready") c.disconnect();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([closeBroadcastQueue(), closeRedis().catch(() => {})]),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2000);
    }),
  ]);
  clearTimeout(timer);
}

/** Map any error to a message on stderr and an exit code. */
export function reportError(err: unknown): number {
  if (err instanceof CliError) {
    if (err.message)
      process.stderr.write(`${err.message.startsWith("error:") ? "" : "error: "}${err.message}\n`);
    // Every usage error ends as commander's own do (program.showHelpAfterError).
    if (err.exitCode === EXIT_USAGE && !err.message.includes(USAGE_HINT))
      process.stderr.write(`${USAGE_HINT}\n`);
    return err.exitCode;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`error: ${err.message}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof ZodError) {
    return reportError(usageErrorFromZod(err));
  }
  if (err instanceof HeraldError) {
    process.stderr.write(`error: ${err.message}\n`);
    if (err.issues) for (const i of err.issues) process.stderr.write(`  ${i.path.join(".")}: ${i.message}\n`);
    return err.code === "invalid_input" ? EXIT_USAGE : EXIT_FAILURE;
  }
  if (isRedisUnavailable(err)) {
    process.stderr.write(`error: Redis unavailable: ${(err as Error).message}\n`);
    return EXIT_FAILURE;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${msg}\n`);
  if (process.env.HERALD_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT_FAILURE;
}

/** Write a line to stdout. */
export function out(line = ""): void {
  process.stdout.write(`${line}\n`);
}

/** Write a line to stderr (notes, hints: never part of the command's output). */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

/** A plain text table with left-aligned columns. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c] ?? 0)))
      .join("  ")
      .trimEnd();
  out(line(headers));
  for (const r of rows) out(line(r));
}
