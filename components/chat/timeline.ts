import type { HistoryEntry, Level, StoredMessage } from "@/lib/schemas/message";

/**
 * The chat page's timeline: the last history fetch (authoritative, in list order) merged with
 * what arrived since over the socket or as answers to our own sends, and the messages still
 * being sent. Everything is keyed by message id, so a message that arrives twice (live and
 * again in a refetch, or in two tabs) shows once.
 */
export interface HistorySnapshot {
  entries: HistoryEntry[];
  /** When the fetch that produced `entries` started (client clock, ms); 0 for server-rendered data. */
  requestedAt: number;
  /** Broadcasts retracted lately (the server says so with the history): never shown, even if got live. */
  retracted?: readonly string[];
}

export interface LiveMessage {
  message: StoredMessage;
  /** When this tab got it (client clock, ms). */
  receivedAt: number;
}

export interface PendingMessage {
  clientId: string;
  text: string;
  createdAt: string;
  state: "sending" | "failed";
  error?: string;
}

/**
 * A broadcast is pushed before the fan-out stores it (so online users see it at once), and a
 * walk over a large keyspace takes seconds: a fetch made meanwhile may not hold it yet. Within
 * this long after it arrived, a live broadcast missing from a fetch is kept, not taken as removed.
 */
export const BROADCAST_STORE_GRACE_MS = 60_000;

/** Whether a live message missing from a fetch may still be on its way into the history. */
function mayBeUnstored(l: LiveMessage, snapshot: HistorySnapshot): boolean {
  if (l.receivedAt >= snapshot.requestedAt) return true;
  return l.message.type === "broadcast" && l.receivedAt >= snapshot.requestedAt - BROADCAST_STORE_GRACE_MS;
}

export type TimelineItem =
  | { kind: "broadcast"; key: string; message: StoredMessage; level: Level }
  | { kind: "user"; key: string; message: StoredMessage }
  | { kind: "pending"; key: string; pending: PendingMessage }
  | { kind: "raw"; key: string; raw: string };

export function buildTimeline(
  snapshot: HistorySnapshot,
  live: ReadonlyMap<string, LiveMessage>,
  pending: readonly PendingMessage[],
  retractedLive: ReadonlySet<string> = new Set(),
): TimelineItem[] {
  const out: TimelineItem[] = [];
  const ids = new Set<string>();
  // A retracted broadcast goes, whether it came in the history or live (a `retract` event, or
  // the list the history fetch brings for tabs that were away when it happened).
  const retracted = new Set([...(snapshot.retracted ?? []), ...retractedLive]);
  const gone = (m: StoredMessage) => m.type === "broadcast" && retracted.has(m.broadcastId ?? m.id);
  const rawSeen = new Map<string, number>();
  for (const entry of snapshot.entries) {
    if (entry.kind === "raw") {
      // Legacy entries have no id: key them by content and occurrence, which stays stable as the list grows.
      const h = hash(entry.raw);
      const n = (rawSeen.get(h) ?? 0) + 1;
      rawSeen.set(h, n);
      out.push({ kind: "raw", key: `raw:${h}:${n}`, raw: entry.raw });
      continue;
    }
    if (ids.has(entry.message.id) || gone(entry.message)) continue;
    ids.add(entry.message.id);
    out.push(toItem(entry.message));
  }
  // Live messages the fetch has not seen yet. One that arrived well before the fetch started and
  // is missing from it was removed from the list since (trimmed or retracted): drop it.
  const extra = [...live.values()]
    .filter((l) => !ids.has(l.message.id) && !gone(l.message) && mayBeUnstored(l, snapshot))
    .sort((a, b) => a.receivedAt - b.receivedAt);
  for (const l of extra) {
    ids.add(l.message.id);
    out.push(toItem(l.message));
  }
  // The socket may echo a message before its POST answers: that stored copy stands for the one
  // being sent (same text, arrived after it was sent), so the message does not show twice.
  const echoes = [...live.values()].filter((l) => l.message.type === "user");
  for (const p of pending) {
    if (p.state === "sending") {
      const sentAt = Date.parse(p.createdAt);
      const i = echoes.findIndex((l) => l.receivedAt >= sentAt && l.message.message === p.text.trim());
      if (i >= 0) {
        echoes.splice(i, 1);
        continue;
      }
    }
    out.push({ kind: "pending", key: `pending:${p.clientId}`, pending: p });
  }
  return out;
}

function toItem(message: StoredMessage): TimelineItem {
  if (message.type === "broadcast") {
    return { kind: "broadcast", key: message.id, message, level: message.level ?? "info" };
  }
  return { kind: "user", key: message.id, message };
}

/** Live entries a fetch has made redundant (already in it, or removed since): safe to forget. */
export function pruneLive(
  live: ReadonlyMap<string, LiveMessage>,
  snapshot: HistorySnapshot,
): Map<string, LiveMessage> | null {
  const ids = new Set<string>();
  for (const e of snapshot.entries) if (e.kind === "message") ids.add(e.message.id);
  let changed = false;
  const next = new Map<string, LiveMessage>();
  for (const [id, l] of live) {
    if (ids.has(id) || !mayBeUnstored(l, snapshot)) changed = true;
    else next.set(id, l);
  }
  return changed ? next : null;
}

/** The id a receipt names: a broadcast's id (every session's copy shares it). */
export const receiptId = (m: StoredMessage) => m.broadcastId ?? m.id;

/** djb2, hex: short stable keys for legacy entries (not security relevant). */
function hash(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h << 5) + h + s.charCodeAt(i)) | 0;
  return (h >>> 0).toString(16);
}
