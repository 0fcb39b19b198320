import type { Server as HttpServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { type Namespace, Server } from "socket.io";
import { adminFromCookieHeader } from "../auth/admin-session";
import { markDelivery } from "../broadcasts/deliveries";
import type { Deps } from "../context";
import { createRedis } from "../redis/connection";
import { broadcastRoom, sessionRoom } from "../redis/keys";
import { BroadcastIdSchema } from "../schemas/broadcast";
import { markOffline, markOnline, PRESENCE_REFRESH_MS, prunePresence } from "../sessions/presence";
import { parseCookies, resolveVisitor, SESSION_COOKIE } from "../sessions/visitor";
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

interface UserData {
  sessionId: string;
}
interface AdminData {
  email: string;
}

export type HeraldIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, UserData>;

/**
 * Socket.IO beside Next on one HTTP server. End users authenticate with the chat page's
 * session cookie and join their own session room (nothing a client sends can change it);
 * admins use the `/admin` namespace with their sign-in cookie. The Redis adapter makes any
 * process's emit (route handler, CLI, another instance) reach every client.
 */
export function attachRealtime(httpServer: HttpServer, deps: Deps) {
  const { redis, keys, log } = deps;
  const pub = createRedis("io-pub");
  const sub = createRedis("io-sub");
  const io: HeraldIo = new Server(httpServer, {
    serveClient: false,
    // Next's dev server owns other upgrade paths (HMR): never destroy them.
    destroyUpgrade: false,
    adapter: createAdapter(pub, sub),
    connectionStateRecovery: undefined,
    cors: undefined,
  });

  io.use(async (socket, next) => {
    try {
      // Only the httpOnly cookie counts: ids in auth, query or payloads are ignored.
      const sid = parseCookies(socket.handshake.headers.cookie)[SESSION_COOKIE];
      const sessionId = await resolveVisitor(redis, keys, sid);
      if (!sessionId) return next(new Error("unauthorized"));
      socket.data.sessionId = sessionId;
      next();
    } catch {
      next(new Error("unavailable"));
    }
  });

  const admin = io.of(ADMIN_NAMESPACE) as unknown as Namespace<
    AdminClientToServerEvents,
    AdminServerToClientEvents,
    Record<string, never>,
    AdminData
  >;

  io.on("connection", (socket) => {
    const { sessionId } = socket.data;
    socket.join(sessionRoom(sessionId));
    markOnline(redis, keys, [sessionId]).catch(() => {});

    const receipt = (to: "delivered" | "seen") => async (payload: unknown, cb?: Ack) => {
      const parsed = ReceiptSchema.safeParse(payload);
      const ack = typeof cb === "function" ? cb : () => {};
      if (!parsed.success || !BroadcastIdSchema.safeParse(parsed.data.id).success)
        return ack({ error: "invalid receipt" });
      try {
        const changed = await markDelivery(redis, keys, parsed.data.id, sessionId, to);
        if (changed) {
          admin
            .to([ADMIN_ALL_ROOM, broadcastRoom(parsed.data.id)])
            .emit("delivery:update", { broadcastId: parsed.data.id, sessionId, status: to });
        }
        ack({ data: true });
      } catch (err) {
        log.warn({ err: String(err), sessionId }, "receipt not recorded");
        ack({ error: "unavailable" });
      }
    };
    socket.on("ack", receipt("delivered"));
    socket.on("seen", receipt("seen"));

    socket.on("disconnect", async () => {
      // Other tabs of the same session on this instance keep it online.
      const left = await io
        .in(sessionRoom(sessionId))
        .local.fetchSockets()
        .catch(() => []);
      if (left.length === 0) markOffline(redis, keys, sessionId).catch(() => {});
    });
  });

  admin.use(async (socket, next) => {
    try {
      const who = await adminFromCookieHeader(socket.handshake.headers.cookie);
      if (!who) return next(new Error("unauthorized"));
      socket.data.email = who.email;
      next();
    } catch {
      next(new Error("unavailable"));
    }
  });
  admin.on("connection", (socket) => {
    socket.join(ADMIN_ALL_ROOM);
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
    markOnline(redis, keys, ids).catch(() => {});
    prunePresence(redis, keys).catch(() => {});
  }, PRESENCE_REFRESH_MS);
  heartbeat.unref();

  return {
    io,
    async close() {
      clearInterval(heartbeat);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await Promise.all([pub.quit().catch(() => {}), sub.quit().catch(() => {})]);
    },
  };
}
