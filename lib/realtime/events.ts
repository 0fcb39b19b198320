import { z } from "zod";
import type { Broadcast, BroadcastSummary, DeliveryStatus } from "../schemas/broadcast";
import type { StoredMessage } from "../schemas/message";

/**
 * The Socket.IO event map, shared by the server, the emitters (route handlers, CLI) and
 * the browser clients. Acks answer `{ data }` or `{ error }`.
 */
export type Ack<T = true> = (res: { data: T } | { error: string }) => void;

/** Default namespace: end users, one room per session. */
export interface ServerToClientEvents {
  message: (msg: StoredMessage) => void;
  /** A broadcast was retracted: remove it from the page. */
  retract: (payload: { broadcastId: string }) => void;
}

export interface ClientToServerEvents {
  ack: (payload: unknown, cb?: Ack) => void;
  seen: (payload: unknown, cb?: Ack) => void;
}

/** Receipt payload: the message id (for a broadcast, its broadcast id). */
export const ReceiptSchema = z.object({ id: z.string().min(1).max(64) }).strict();

export interface BroadcastProgress {
  id: string;
  status: Broadcast["status"];
  processed: number;
  estimatedTotal: number;
  targeted: number;
  stored: number;
  created: number;
  duplicates: number;
  failed: number;
  /** Sessions processed per second since the start. */
  rate: number;
}

/** `/admin` namespace: signed-in admins. */
export interface AdminServerToClientEvents {
  "broadcast:started": (b: BroadcastSummary) => void;
  "broadcast:progress": (p: BroadcastProgress) => void;
  "broadcast:finished": (b: BroadcastSummary) => void;
  /** Chat pages opened or closed: how many sessions are online now (at most a few per second). */
  "sessions:online": (p: { online: number }) => void;
  /** Receipts recorded, one event per written batch (they arrive by the thousand). */
  "delivery:update": (u: {
    broadcastId: string;
    updates: { sessionId: string; status: Extract<DeliveryStatus, "delivered" | "seen"> }[];
  }) => void;
}

export interface AdminClientToServerEvents {
  /** Follow one broadcast's delivery updates. */
  watch: (payload: unknown, cb?: Ack) => void;
  unwatch: (payload: unknown, cb?: Ack) => void;
}

export const WatchSchema = z.object({ broadcastId: z.string().min(1).max(64) }).strict();

export const ADMIN_NAMESPACE = "/admin";
/** Room of the /admin namespace that receives every broadcast's lifecycle events. */
export const ADMIN_ALL_ROOM = "admins";
