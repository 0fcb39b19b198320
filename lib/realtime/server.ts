import type { Server as HttpServer, IncomingMessage } from "node:http";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { type Namespace, Server } from "socket.io";
import { adminFromCookieHeader } from "../auth/admin-session";
import { adminSessionRoom } from "../auth/admin-sessions";
import { assertSameOrigin } from "../auth/principal";
import type { Deps } from "../context";
import { getMetrics } from "../metrics";
import { clusterOf, createRedis } from "../redis/connection";
import { broadcastRoom, sessionRoom } from "../redis/keys";
import { BroadcastIdSchema } from "../schemas/broadcast";
import {
  markOffline,
  markOnline,
  onlineCount,
  PRESENCE_REFRESH_MS,
  prunePresence,
} from "../sessions/presence";
import { parseCookies, resolveVisitor, SESSION_COOKIE, touchVisitor } from "../sessions/visitor";
import { type Emitters, useServerEmitters } from "./emitter";
import {
  type Ack,
  ADMIN_ALL_ROOM,
  ADMIN_NAMESPACE,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
  type ClientToServerEvents,
  ReceiptSchema,
  type ServerToClientEvents,
  WatchSchema,
} from "./events";
import { receiptBatcher } from "./receipts";

interface UserData {
  sessionId: string;
}
interface AdminData {
  email: string;
  /** The sign-in this socket belongs to (lib/auth/admin-sessions.ts). */
  sid: string;
}

export type HeraldIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, UserData>;

/** Receipts one socket may send: a burst covers a page load acknowledging a long history. */
const RECEIPT_BURST = 1200;
const RECEIPTS_PER_SECOND = 100;

/**
 * Browsers attach the cookie to a cross-site WebSocket handshake too (no CORS there), so a
 * handshake naming a foreign Origin is refused. Non-browser clients send no Origin; for them
 * the cookie alone decides, as for any HTTP client.
 */
export function allowedOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  try {
    assertSameOrigin(headers, `http://${req.headers.host ?? "localhost"}/`);
    return true;
  } catch {
    return false;
  }
}

const PRESENCE_NOTICE_MS = 500;

/**
 * Call the returned function whenever presence changed: `emit` gets the online count (ZCOUNT)
 * at most every PRESENCE_NOTICE_MS, after the last change of a burst too.
 */
function presenceNotifier(deps: Deps, emit: (online: number) => void) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const changed = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      onlineCount(deps.redis, deps.keys).then(emit, (err) =>
        deps.log.debug({ err: String(err) }, "online count not sent to admins"),
      );
    }, PRESENCE_NOTICE_MS);
  };
  changed.cancel = () => clearTimeout(timer);
  return changed;
}

/** A token bucket per socket, so a misbehaving client cannot turn receipts into a Redis flood. */
function receiptBucket() {
  let tokens = RECEIPT_BURST;
  let last = Date.now();
  return () => {
    const now = Date.now();
    tokens = Math.min(RECEIPT_BURST, tokens + ((now - last) / 1000) * RECEIPTS_PER_SECOND);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/**
 * Socket.IO beside Next on one HTTP server. End users authenticate with the chat page's
 * session cookie and join their own session room (nothing a client sends can change it);
 * admins use the `/admin` namespace with their sign-in cookie. The Redis adapter makes any
 * process's emit (route handler, CLI, another instance) reach every client; on a Redis Cluster
 * it is the sharded adapter (SSUBSCRIBE/SPUBLISH, Redis >= 7), and this server emits for every
 * code path of its process (see lib/realtime/emitter.ts).
 */
export function attachRealtime(httpServer: HttpServer, deps: Deps) {
  const { redis, keys, log, config } = deps;
  const sharded = clusterOf(redis) !== null;
  // Failures that must not break a socket still leave a line (Redis down shows here first).
  const logged = (what: string) => (err: unknown) => log.warn({ err: String(err) }, what);
  const pub = createRedis("io-pub");
  // Classic pub/sub on a cluster would copy every message to every node; sharded pub/sub keeps
  // each channel on the node of its slot, with one subscriber connection per master.
  const sub = createRedis("io-sub", undefined, { shardedSubscribers: sharded });
  const io: HeraldIo = new Server(httpServer, {
    serveClient: false,
    // Next's dev server owns other upgrade paths (HMR): never destroy them.
    destroyUpgrade: false,
    adapter: sharded ? createShardedAdapter(pub, sub) : createAdapter(pub, sub),
    // Catch-up is the client's: it refetches its history on every (re)connect and merges by id,
    // which also covers a server restart (in-memory recovery would not).
    connectionStateRecovery: undefined,
    cors: undefined,
    allowRequest: (req, done) => {
      const ok = allowedOrigin(req);
      done(ok ? null : "origin not allowed", ok);
    },
  });

  io.use(async (socket, next) => {
    try {
      // Only the httpOnly cookie counts: ids in auth, query or payloads are ignored.
      const sid = parseCookies(socket.handshake.headers.cookie)[SESSION_COOKIE];
      const sessionId = await resolveVisitor(redis, keys, sid);
      if (!sessionId) return next(new Error("unauthorized"));
      socket.data.sessionId = sessionId;
      next();
    } catch (err) {
      logged("socket refused: its session could not be checked")(err);
      next(new Error("unavailable"));
    }
  });

  const admin = io.of(ADMIN_NAMESPACE) as unknown as Namespace<
    AdminClientToServerEvents,
    AdminServerToClientEvents,
    Record<string, never>,
    AdminData
  >;

  // biome-ignore lint/correctness/useHookAtTopLevel: a setter named use…, not a React hook
  if (sharded) useServerEmitters({ users: io, admins: admin } satisfies Emitters);

  const metrics = getMetrics();
  // Receipts are written in batches; admins get one update per batch, not one per client.
  const receipts = receiptBatcher(deps, (broadcastId, moved, kept) => {
    for (const r of [...moved, ...kept]) metrics.receipts.inc({ kind: r.to });
    // Kept receipts show once the fan-out writes their records (its progress events say so).
    if (moved.length === 0) return;
    admin.to([ADMIN_ALL_ROOM, broadcastRoom(broadcastId)]).emit("delivery:update", {
      broadcastId,
      updates: moved.map(({ sessionId, to }) => ({ sessionId, status: to })),
    });
  });

  // Admins see the online count move as chat pages open and close: one count per burst.
  const presenceChanged = presenceNotifier(deps, (online) =>
    admin.to(ADMIN_ALL_ROOM).emit("sessions:online", { online }),
  );

  io.on("connection", (socket) => {
    const { sessionId } = socket.data;
    metrics.sockets.inc();
    // The only room an end-user socket ever joins; nothing it sends can name another.
    socket.join(sessionRoom(sessionId));
    markOnline(redis, keys, [sessionId]).then(presenceChanged, logged("presence not marked online"));
    touchVisitor(redis, keys, sessionId, config.HERALD_SESSION_TTL_SECONDS).catch(
      logged("visitor session TTL not refreshed"),
    );

    const takeReceipt = receiptBucket();
    // A receipt names a message id only; the session is the socket's own, so a client can
    // advance no record but its own (and one for a broadcast it never got is ignored).
    const receipt = (to: "delivered" | "seen") => async (payload: unknown, cb?: Ack) => {
      const ack: Ack = typeof cb === "function" ? cb : () => {};
      const parsed = ReceiptSchema.safeParse(payload);
      if (!parsed.success || !BroadcastIdSchema.safeParse(parsed.data.id).success)
        return ack({ error: "invalid receipt" });
      if (!takeReceipt()) return ack({ error: "rate limited" });
      try {
        await receipts.add(parsed.data.id, { sessionId, to });
        ack({ data: true });
      } catch (err) {
        log.warn({ err: String(err), sessionId }, "receipt not recorded");
        ack({ error: "unavailable" });
      }
    };
    socket.on("ack", receipt("delivered"));
    socket.on("seen", receipt("seen"));

    socket.on("disconnect", async () => {
      metrics.sockets.dec();
      // Other tabs of the same session on this instance keep it online.
      const left = await io
        .in(sessionRoom(sessionId))
        .local.fetchSockets()
        .catch((err: unknown) => {
          logged("could not list the session's other sockets")(err);
          return [];
        });
      if (left.length === 0)
        markOffline(redis, keys, sessionId).then(presenceChanged, logged("presence not marked offline"));
    });
  });

  admin.use(async (socket, next) => {
    try {
      const who = await adminFromCookieHeader(socket.handshake.headers.cookie);
      if (!who) return next(new Error("unauthorized"));
      socket.data.email = who.email;
      socket.data.sid = who.sid;
      next();
    } catch (err) {
      logged("admin socket refused: its sign-in could not be checked")(err);
      next(new Error("unavailable"));
    }
  });
  admin.on("connection", (socket) => {
    // The sign-in's own room: ending the sign-in (sign-out, password change) disconnects it.
    socket.join([ADMIN_ALL_ROOM, adminSessionRoom(socket.data.sid)]);
    const room = (payload: unknown) => {
      const p = WatchSchema.safeParse(payload);
      return p.success ? broadcastRoom(p.data.broadcastId) : null;
    };
    socket.on("watch", (payload, cb) => {
      const r = room(payload);
      if (r) socket.join(r);
      if (typeof cb === "function") cb(r ? { data: true } : { error: "invalid broadcast id" });
    });
    socket.on("unwatch", (payload, cb) => {
      const r = room(payload);
      if (r) socket.leave(r);
      if (typeof cb === "function") cb(r ? { data: true } : { error: "invalid broadcast id" });
    });
  });

  // Keep this instance's connected sessions marked online; drop stale entries.
  const heartbeat = setInterval(() => {
    const ids = [...io.of("/").adapter.rooms.keys()]
      .filter((r) => r.startsWith("session:"))
      .map((r) => r.slice(8));
    markOnline(redis, keys, ids).catch(logged("presence heartbeat failed"));
    prunePresence(redis, keys).catch(logged("stale presence not pruned"));
  }, PRESENCE_REFRESH_MS);
  heartbeat.unref();

  return {
    io,
    async close() {
      clearInterval(heartbeat);
      presenceChanged.cancel();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await receipts.flush();
      await Promise.all([pub.quit().catch(() => {}), sub.quit().catch(() => {})]);
    },
  };
}
