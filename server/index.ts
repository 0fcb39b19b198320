/**
 * Herald's custom server: Next (pages and route handlers) and Socket.IO on one port.
 * This file only wires: configuration, the embedded Redis, secrets and the first admin,
 * then the HTTP server. Domain code lives in lib/.
 */
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import next from "next";
import { ensureFirstAdmin } from "../lib/auth/admins";
import { ensureAuthSecret } from "../lib/auth/secret";
import { closeBroadcastQueue, reconcileEvery, startBroadcastWorker } from "../lib/broadcasts/jobs";
import { ConfigError, getConfig, parseConfig, resetConfig } from "../lib/config";
import { getDeps } from "../lib/context";
import { HeraldError } from "../lib/errors";
import { newNonce, securityHeaders } from "../lib/http/security-headers";
import { clientAddress } from "../lib/limits/address";
import { admitNewSession } from "../lib/limits/chat";
import { getLogger } from "../lib/log";
import { getEmitters } from "../lib/realtime/emitter";
import { attachRealtime } from "../lib/realtime/server";
import { closeRedis, isRedisUnavailable } from "../lib/redis/connection";
import {
  createVisitorSession,
  parseCookies,
  resolveVisitor,
  SESSION_COOKIE,
  sessionCookieHeader,
  touchVisitor,
} from "../lib/sessions/visitor";
import { ensureEmbeddedRedis } from "./embedded-redis";

const log = getLogger();

async function main() {
  // Fail fast on bad configuration, with one readable message.
  const initial = parseConfig();
  const dev = initial.NODE_ENV !== "production";

  let stopRedis = async () => {};
  if (initial.embeddedRedis) {
    const embedded = await ensureEmbeddedRedis({ dataDir: initial.dataDir, log });
    process.env.REDIS_URL = embedded.url;
    stopRedis = embedded.stop;
    resetConfig();
    log.info({ url: embedded.url, owned: embedded.owned }, "embedded redis ready");
  }
  const config = getConfig();
  ensureAuthSecret(config);
  const deps = getDeps();

  const firstAdmin = await ensureFirstAdmin(deps.redis, deps.keys, {
    email: config.ADMIN_EMAIL,
    password: config.ADMIN_PASSWORD,
  });

  // Next must not attach its own upgrade listener to our server: it attaches it to this sink
  // on its first request, and we forward the upgrades that are not Socket.IO's (HMR).
  const nextUpgradeSink = new EventEmitter();
  const app = next({
    dev,
    hostname: config.HOST,
    port: config.PORT,
    httpServer: nextUpgradeSink as unknown as import("node:http").Server,
  });
  const handle = app.getRequestHandler();
  await app.prepare();

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((err) => {
      if (res.headersSent) return;
      if (err instanceof HeraldError && (err.code === "rate_limited" || err.retryAfterSeconds)) {
        log.warn(
          { url: req.url, address: clientAddress(req.headers), reason: err.message },
          "request refused",
        );
        sendFailure(req, res, {
          status: err.status,
          message: err.message,
          retryAfter: err.retryAfterSeconds,
        });
        return;
      }
      const unavailable = isRedisUnavailable(err);
      if (unavailable) log.warn({ err: String(err), url: req.url }, "redis unavailable");
      else log.error({ err: String(err), url: req.url }, "request failed");
      sendFailure(req, res, { status: unavailable ? 503 : 500 });
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse) {
    const url = req.url ?? "/";
    // Forwarded headers are believed only behind a proxy we were told about; otherwise a client
    // could pick its own address (sign-in rate limits) or host (Origin checks).
    if (!config.HERALD_TRUST_PROXY) {
      delete req.headers["x-forwarded-host"];
      delete req.headers["x-forwarded-proto"];
      req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "";
    }
    // Every response carries the security headers; Next takes the nonce from the request's CSP.
    const headers = securityHeaders({
      nonce: newNonce(),
      https: req.headers["x-forwarded-proto"] === "https",
      dev,
    });
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    req.headers["content-security-policy"] = headers["content-security-policy"];
    // Next answers a path segment it cannot decode (`/api/broadcasts/%FF`) with a bare 500;
    // the contract says an unknown id of any format is a 404.
    if (url.startsWith("/api/") && !decodes(url.split("?")[0]!)) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "not_found", message: "not found" } }));
      return;
    }
    // Legacy scripts POST to /chat/api/broadcast/ and do not follow redirects on POST.
    if (url === "/chat/api/broadcast/" || url.startsWith("/chat/api/broadcast/?")) {
      req.url = url.replace("/chat/api/broadcast/", "/chat/api/broadcast");
    }
    if (req.method === "GET" && (url === "/" || url.startsWith("/?"))) await issueVisitorCookie(req, res);
    await handle(req, res);
  }

  /** The chat page's first visit creates the session (data key only, like the legacy app). */
  async function issueVisitorCookie(req: IncomingMessage, res: ServerResponse) {
    const cookies = parseCookies(req.headers.cookie);
    const existing = await resolveVisitor(deps.redis, deps.keys, cookies[SESSION_COOKIE]);
    const secure = req.headers["x-forwarded-proto"] === "https";
    if (existing) {
      await touchVisitor(deps.redis, deps.keys, existing, config.HERALD_SESSION_TTL_SECONDS);
      return;
    }
    await admitNewSession(deps, clientAddress(req.headers));
    const id = await createVisitorSession(
      deps.redis,
      deps.keys,
      config.HERALD_SESSION_TTL_SECONDS,
      req.headers["user-agent"],
    );
    res.setHeader("Set-Cookie", sessionCookieHeader(id, config.HERALD_SESSION_TTL_SECONDS, secure));
    // Let the page render for the new session in this same request.
    const rest = (req.headers.cookie ?? "")
      .split(";")
      .filter((c) => c.trim() && !c.trim().startsWith(`${SESSION_COOKIE}=`));
    req.headers.cookie = [...rest, `${SESSION_COOKIE}=${id}`].join("; ");
  }

  const realtime = attachRealtime(server, deps);
  // Socket.IO answers its own HTTP requests (polling, handshakes): the same headers there.
  realtime.io.engine.on("headers", (headers: Record<string, string>, req: IncomingMessage) => {
    const https = config.HERALD_TRUST_PROXY && req.headers["x-forwarded-proto"] === "https";
    Object.assign(headers, securityHeaders({ nonce: newNonce(), https, dev }));
  });
  // Every instance runs broadcast jobs (HERALD_WORKER_CONCURRENCY=0: none on this one).
  const worker =
    config.HERALD_WORKER_CONCURRENCY > 0 ? startBroadcastWorker(deps, { emitters: getEmitters() }) : null;
  const stopReconciling = worker ? reconcileEvery(deps) : () => {};
  server.on("upgrade", (req, socket, head) => {
    // Socket.IO's own listener takes /socket.io/; everything else (Next's HMR) goes to Next.
    if ((req.url ?? "").startsWith("/socket.io/")) return;
    nextUpgradeSink.emit("upgrade", req, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : config.PORT;
  const shownHost = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST;
  const baseUrl = `http://${shownHost}:${port}`;
  log.info(
    {
      url: baseUrl,
      dev,
      redis: initial.embeddedRedis ? "embedded" : initial.REDIS_CLUSTER_NODES ? "cluster" : "external",
    },
    "herald ready",
  );
  printBanner(baseUrl, firstAdmin);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    // The worker finishes its batch in flight; a run cut short resumes on another worker.
    stopReconciling();
    await worker?.close();
    await closeBroadcastQueue();
    await realtime.close().catch(() => {});
    server.closeAllConnections?.();
    await app.close?.().catch?.(() => {});
    await closeRedis();
    await stopRedis();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

/** A refusal or failure before Next could answer: JSON for the API, a readable page for people. */
function sendFailure(
  req: IncomingMessage,
  res: ServerResponse,
  failure: { status: number; message?: string; retryAfter?: number },
) {
  const url = req.url ?? "/";
  const { status } = failure;
  const retryAfter = failure.retryAfter ?? (status === 503 ? 5 : undefined);
  if (retryAfter !== undefined) res.setHeader("retry-after", String(retryAfter));
  res.setHeader("cache-control", "no-store");
  const limited = status === 429;
  const full = status === 503 && failure.message !== undefined;
  if (url.startsWith("/api/") || url.startsWith("/chat/api/") || url.startsWith("/metrics")) {
    res.writeHead(status, { "content-type": "application/json" });
    const error = limited
      ? { code: "rate_limited", message: failure.message }
      : status === 503
        ? { code: "redis_unavailable", message: failure.message ?? "Redis is unavailable, try again shortly" }
        : { code: "internal", message: "internal error" };
    res.end(JSON.stringify({ error }));
    return;
  }
  const [title, text] = limited
    ? [
        "Too many new chats",
        "Too many new chat sessions were opened from your network. Please try again later.",
      ]
    : full
      ? ["Chat is full", "Chat is not taking new conversations right now. Please try again in a few minutes."]
      : status === 503
        ? [
            "Temporarily unavailable",
            "Chat is temporarily unavailable. It will be back shortly: this page retries by itself.",
          ]
        : ["Something went wrong", "The page could not be shown. Please try again."];
  const refresh = status === 503 && !full ? `<meta http-equiv="refresh" content="10">` : "";
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${refresh}` +
      `<title>${title} · Herald</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1e293b">` +
      `<main><h1 style="font-size:1.5rem">${title}</h1><p>${text}</p></main></body></html>`,
  );
}

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function printBanner(url: string, admin: { email: string; password?: string; created: boolean }) {
  const lines = [
    "",
    `  Herald is running at ${url}`,
    `    chat page      ${url}/`,
    `    admin console  ${url}/admin`,
  ];
  if (admin.created && admin.password) {
    lines.push(
      "",
      "  First admin created (shown once, keep it safe):",
      `    email     ${admin.email}`,
      `    password  ${admin.password}`,
    );
  }
  lines.push("", "  API token for scripts:  npm run -s herald -- token create <name>", "");
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`herald: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
