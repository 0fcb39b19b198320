import pino, { type Logger } from "pino";

const LOGGER = Symbol.for("herald.logger");
type Holder = { [LOGGER]?: Logger };

/** One pino logger per process (shared by the server and the route-handler bundle). */
export function getLogger(): Logger {
  const g = globalThis as Holder;
  g[LOGGER] ??= pino({
    name: "herald",
    level: process.env.LOG_LEVEL || "info",
    base: undefined,
    // Never log credentials that reach a log line through request or error objects.
    redact: ["req.headers.authorization", "req.headers.cookie", "password", "token"],
  });
  return g[LOGGER];
}
