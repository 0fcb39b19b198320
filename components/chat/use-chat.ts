"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { connectUser, type UserSocket } from "@/lib/realtime/client";
import { type HistoryEntry, type StoredMessage, StoredMessageSchema } from "@/lib/schemas/message";
import { Receipts } from "./receipts";
import {
  buildTimeline,
  type HistorySnapshot,
  type LiveMessage,
  type PendingMessage,
  pruneLive,
  receiptId,
  type TimelineItem,
} from "./timeline";

/**
 * Everything the chat page knows, kept in one place: the history (React Query), the socket
 * and what it brought, messages being sent, the connection's state, and receipts.
 *
 * Catch-up: the history is fetched again on every (re)connect and merged with live messages
 * by id, so whatever was missed while disconnected (network loss, sleep, a server restart)
 * shows up once, without a reload. The browser's `offline`/`online` events are trusted over
 * the socket's own detection, which can take most of a minute to notice a dead connection.
 */
export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "offline" | "ended";

export const HISTORY_KEY = ["chat", "history"] as const;
const API = "/chat/api/messages";

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function api<T>(init?: RequestInit): Promise<T> {
  const res = await fetch(API, { cache: "no-store", credentials: "same-origin", ...init });
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!res.ok) throw new ApiError(res.status, body?.error?.message ?? `The server answered ${res.status}`);
  return body as T;
}

async function fetchHistory(): Promise<HistorySnapshot> {
  const requestedAt = Date.now();
  const body = await api<{ messages: HistoryEntry[]; retracted?: string[] }>();
  return { entries: body.messages, requestedAt, retracted: body.retracted ?? [] };
}

let localIds = 0;
const localId = () => `${Date.now().toString(36)}-${(localIds++).toString(36)}`;

export function useChat(initialHistory: HistoryEntry[] | null) {
  const queryClient = useQueryClient();
  const [live, setLive] = useState<Map<string, LiveMessage>>(() => new Map());
  const [pending, setPending] = useState<PendingMessage[]>([]);
  // Broadcasts retracted while this page is open (`retract` events).
  const [retracted, setRetracted] = useState<ReadonlySet<string>>(() => new Set());
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const socketRef = useRef<UserSocket | null>(null);
  const receiptsRef = useRef<Receipts | null>(null);
  // Held in a ref so socket handlers always see the latest value.
  const endedRef = useRef(false);

  const end = useCallback(() => {
    endedRef.current = true;
    setStatus("ended");
    socketRef.current?.disconnect();
  }, []);

  const history = useQuery({
    queryKey: HISTORY_KEY,
    queryFn: fetchHistory,
    ...(initialHistory ? { initialData: { entries: initialHistory, requestedAt: 0 } } : {}),
    retry: (count, err) => !(err instanceof ApiError && err.status === 401) && count < 2,
  });

  useEffect(() => {
    if (history.error instanceof ApiError && history.error.status === 401) end();
  }, [history.error, end]);

  // Forget live messages once a fetch covers them.
  useEffect(() => {
    if (!history.data) return;
    setLive((cur) => pruneLive(cur, history.data) ?? cur);
  }, [history.data]);

  useEffect(() => {
    const socket = connectUser();
    socketRef.current = socket;
    const receipts = new Receipts(socket);
    receiptsRef.current = receipts;
    let retryTimer: number | undefined;
    let retryDelay = 1000;

    const refetch = () => queryClient.refetchQueries({ queryKey: HISTORY_KEY }).catch(() => {});
    const reconnectNow = () => {
      if (endedRef.current) return;
      window.clearTimeout(retryTimer);
      // disconnect() then connect() skips the reconnection back-off and drops a zombie transport.
      socket.disconnect();
      socket.connect();
    };

    const onConnect = () => {
      retryDelay = 1000;
      setStatus("live");
      refetch();
      receipts.flush();
    };
    const onDisconnect = (reason: string) => {
      if (endedRef.current) return;
      setStatus(navigator.onLine ? "reconnecting" : "offline");
      // The server let us go on purpose (e.g. shutting down): come back anyway, it decides again.
      if (reason === "io server disconnect") retryTimer = window.setTimeout(() => socket.connect(), 1000);
    };
    const onConnectError = (err: Error) => {
      if (err.message === "unauthorized") return end();
      setStatus(navigator.onLine ? "reconnecting" : "offline");
      // Refused by the server's middleware (e.g. Redis briefly down): Socket.IO does not retry those.
      if (!socket.active) {
        window.clearTimeout(retryTimer);
        retryTimer = window.setTimeout(() => socket.connect(), retryDelay);
        retryDelay = Math.min(retryDelay * 2, 15_000);
      }
    };
    const onReconnectAttempt = () => {
      if (!endedRef.current) setStatus(navigator.onLine ? "reconnecting" : "offline");
    };
    const onMessage = (payload: unknown) => {
      const parsed = StoredMessageSchema.safeParse(payload);
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.type === "broadcast") receipts.request(receiptId(message), "ack");
      setLive((cur) => {
        if (cur.has(message.id)) return cur;
        const next = new Map(cur);
        next.set(message.id, { message, receivedAt: Date.now() });
        return next;
      });
    };
    socket.on("connect", onConnect);
    socket.on("disconnect", onDisconnect);
    socket.on("connect_error", onConnectError);
    const onRetract = (payload: unknown) => {
      const id = (payload as { broadcastId?: unknown } | null)?.broadcastId;
      if (typeof id !== "string" || id === "") return;
      setRetracted((cur) => (cur.has(id) ? cur : new Set(cur).add(id)));
    };
    socket.on("message", onMessage);
    socket.on("retract", onRetract);
    socket.io.on("reconnect_attempt", onReconnectAttempt);
    // A remount (React strict mode, fast refresh) gets the same cached socket back, maybe still connected.
    if (socket.connected) onConnect();

    const onOffline = () => {
      if (endedRef.current) return;
      setStatus("offline");
      // Without a network the socket is dead even if it has not noticed yet.
      socket.disconnect();
    };
    const onOnline = () => {
      if (endedRef.current) return;
      setStatus("reconnecting");
      reconnectNow();
      refetch();
    };
    const onVisible = () => {
      // Back from sleep or a background tab: do not wait for the heartbeat to notice a dead socket.
      if (document.visibilityState === "visible" && !socket.connected && navigator.onLine) reconnectNow();
    };
    window.addEventListener("offline", onOffline);
    window.addEventListener("online", onOnline);
    document.addEventListener("visibilitychange", onVisible);
    if (!navigator.onLine) onOffline();

    return () => {
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
      document.removeEventListener("visibilitychange", onVisible);
      window.clearTimeout(retryTimer);
      // Only our own listeners: the manager's others are Socket.IO's plumbing (the socket is cached and reused).
      socket.off("connect", onConnect);
      socket.off("disconnect", onDisconnect);
      socket.off("connect_error", onConnectError);
      socket.off("message", onMessage);
      socket.off("retract", onRetract);
      socket.io.off("reconnect_attempt", onReconnectAttempt);
      socket.disconnect();
      socketRef.current = null;
      receiptsRef.current = null;
    };
  }, [queryClient, end]);

  const snapshot = history.data ?? EMPTY;
  const timeline = useMemo(
    () => buildTimeline(snapshot, live, pending, retracted),
    [snapshot, live, pending, retracted],
  );

  // Every broadcast this page shows has reached the user: acknowledge it (once; repeats are ignored).
  useEffect(() => {
    const receipts = receiptsRef.current;
    if (!receipts) return;
    for (const item of timeline)
      if (item.kind === "broadcast") receipts.request(receiptId(item.message), "ack");
  }, [timeline]);

  const markSeen = useCallback((id: string) => receiptsRef.current?.request(id, "seen"), []);

  const send = useCallback(
    async (text: string, retryOf?: string) => {
      const clientId = retryOf ?? localId();
      const entry: PendingMessage = { clientId, text, createdAt: new Date().toISOString(), state: "sending" };
      setPending((cur) => [...cur.filter((p) => p.clientId !== clientId), entry]);
      try {
        const { message } = await api<{ message: StoredMessage }>({
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ message: text }),
        });
        setLive((cur) => {
          if (cur.has(message.id)) return cur;
          const next = new Map(cur);
          next.set(message.id, { message, receivedAt: Date.now() });
          return next;
        });
        setPending((cur) => cur.filter((p) => p.clientId !== clientId));
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) end();
        const error =
          err instanceof ApiError
            ? err.message
            : navigator.onLine
              ? "Could not reach the server"
              : "You are offline";
        setPending((cur) => cur.map((p) => (p.clientId === clientId ? { ...p, state: "failed", error } : p)));
      }
    },
    [end],
  );

  const discard = useCallback((clientId: string) => {
    setPending((cur) => cur.filter((p) => p.clientId !== clientId));
  }, []);

  return {
    timeline,
    status,
    loading: !history.data && history.isPending,
    loadError: !history.data && history.isError,
    retryLoad: () => history.refetch(),
    send,
    discard,
    markSeen,
  };
}

const EMPTY: HistorySnapshot = { entries: [], requestedAt: 0 };

export type ChatState = ReturnType<typeof useChat>;
export type { TimelineItem };
