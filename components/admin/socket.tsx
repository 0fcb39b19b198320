"use client";

import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from "react";
import { type AdminSocket, connectAdmin } from "@/lib/realtime/client";
import type { AdminServerToClientEvents } from "@/lib/realtime/events";
import type { PreviewResult } from "@/lib/schemas/session";
import { qk } from "./api";

const STATS_RECOUNT_MS = 10_000;

export type LiveStatus = "connecting" | "live" | "offline";

const SocketContext = createContext<{ socket: AdminSocket | null; status: LiveStatus }>({
  socket: null,
  status: "connecting",
});

/**
 * One `/admin` Socket.IO connection for the whole console (the sign-in cookie authenticates
 * it). Lifecycle events refresh the lists they change; pages subscribe to the rest.
 */
export function AdminSocketProvider({ children }: { children: ReactNode }) {
  const [socket, setSocket] = useState<AdminSocket | null>(null);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const queryClient = useQueryClient();

  useEffect(() => {
    const s = connectAdmin();
    // A count of every session already going on is let finish, not started over (at a million
    // sessions it takes seconds, and events could otherwise restart it before it ever ends).
    const recount = () => queryClient.invalidateQueries({ queryKey: qk.stats }, { cancelRefetch: false });
    const refreshLists = (id: string) => {
      queryClient.invalidateQueries({ queryKey: qk.allBroadcasts });
      recount();
      queryClient.invalidateQueries({ queryKey: qk.broadcast(id) });
    };
    s.on("connect", () => setStatus("live"));
    s.on("disconnect", () => setStatus("offline"));
    s.on("connect_error", () => setStatus("offline"));
    // Chat pages opening and closing: the online count at once; the other counts (a first visit
    // makes a new session) by a recount, at most every STATS_RECOUNT_MS since counting walks every key.
    let lastRecount = Date.now();
    s.on("sessions:online", ({ online }) => {
      queryClient.setQueryData<PreviewResult>(qk.stats, (old) => (old ? { ...old, online } : old));
      if (Date.now() - lastRecount < STATS_RECOUNT_MS) return;
      lastRecount = Date.now();
      recount();
    });
    s.on("broadcast:started", (b) => refreshLists(b.id));
    s.on("broadcast:finished", (b) => refreshLists(b.id));
    // Receipts change a broadcast's delivered/seen counts. Handled here, not only on the report
    // page, so none is missed while that page is still mounting; refreshed at most once a second
    // per broadcast, since receipts can arrive by the thousand.
    const pending = new Map<string, ReturnType<typeof setTimeout>>();
    s.on("delivery:update", (u) => {
      if (pending.has(u.broadcastId)) return;
      pending.set(
        u.broadcastId,
        setTimeout(() => {
          pending.delete(u.broadcastId);
          queryClient.invalidateQueries({ queryKey: qk.broadcast(u.broadcastId) });
          queryClient.invalidateQueries({ queryKey: qk.allBroadcasts });
        }, 1000),
      );
    });
    setSocket(s);
    return () => {
      for (const t of pending.values()) clearTimeout(t);
      s.disconnect();
      setSocket(null);
    };
  }, [queryClient]);

  return <SocketContext.Provider value={{ socket, status }}>{children}</SocketContext.Provider>;
}

export function useLiveStatus(): LiveStatus {
  return useContext(SocketContext).status;
}

/** Run `handler` on every `event` from the admin namespace while the component is mounted. */
export function useAdminEvent<E extends keyof AdminServerToClientEvents>(
  event: E,
  handler: AdminServerToClientEvents[E],
): void {
  const { socket } = useContext(SocketContext);
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => {
    if (!socket) return;
    const fn = ((...args: unknown[]) => (ref.current as (...a: unknown[]) => void)(...args)) as never;
    socket.on(event, fn);
    return () => {
      socket.off(event, fn);
    };
  }, [socket, event]);
}

/** Join a broadcast's room (its delivery updates) while mounted, again after each reconnect. */
export function useWatchBroadcast(broadcastId: string): void {
  const { socket } = useContext(SocketContext);
  useEffect(() => {
    if (!socket) return;
    const watch = () => socket.emit("watch", { broadcastId });
    if (socket.connected) watch();
    socket.on("connect", watch);
    return () => {
      socket.off("connect", watch);
      if (socket.connected) socket.emit("unwatch", { broadcastId });
    };
  }, [socket, broadcastId]);
}
