import pino, { type Logger } from "pino";
import { LOG_LEVELS, type LogLevel } from "./config";

const LOGGER = Symbol.for("herald.logger");
type Holder = { [LOGGER]?: Logger };

/** One pino logger per process (shared by the server and the route-handler bundle). */
export function getLogger(): Logger {
  const g = globalThis as Holder;
  g[LOGGER] ??= pino({
    name: "herald",
    level: envLogLevel("info"),
    base: undefined,
    // Never log credentials that reach a log line through request or error objects.
    redact: ["req.headers.authorization", "req.headers.cookie", "password", "token"],
  });
  return g[LOGGER];
}

/**
 * LOG_LEVEL when it names a pino level, else `fallback`. A bad value must not throw here (pino
 * would, with a stack trace, before the configuration check runs): that check reports it.
 */
export function envLogLevel(fallback: LogLevel): LogLevel {
  const level = process.env.LOG_LEVEL;
  return LOG_LEVELS.find((l) => l === level) ?? fallback;
}
