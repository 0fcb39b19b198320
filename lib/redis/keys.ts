import { getConfig } from "../config";
import { slotTag } from "./slots";

/**
 * The one place where Redis key names are built and parsed.
 *
 * Chat-app keys: `<prefix><id>` (session data) and `<prefix><id><suffix>` (message list),
 * prefix and suffix configurable. Herald's own keys all start with `herald:` (never with the
 * session prefix, so they are never mistaken for sessions); a broadcast's keys share the hash
 * tag `{<broadcastId>}` so that on Redis Cluster they live in one slot.
 */
export interface KeyLayout {
  sessionPrefix: string;
  messagesSuffix: string;
}

export type SkipReason = "empty-id" | "odd-key" | "non-utf8";

export type ParsedSessionKey =
  | { ok: true; kind: "data" | "messages"; id: string }
  | { ok: false; reason: SkipReason };

const utf8 = new TextDecoder("utf-8", { fatal: true });
const COLON = 0x3a;

/**
 * Classify a key found by SCAN. Works on raw bytes: an id that is not valid UTF-8 is
 * skipped (and counted by the caller), never decoded into a different key name.
 */
export function parseSessionKey(key: Buffer, layout: KeyLayout): ParsedSessionKey {
  const prefix = Buffer.from(layout.sessionPrefix);
  const suffix = Buffer.from(layout.messagesSuffix);
  if (key.length < prefix.length || !key.subarray(0, prefix.length).equals(prefix)) {
    return { ok: false, reason: "odd-key" };
  }
  let rest = key.subarray(prefix.length);
  let kind: "data" | "messages" = "data";
  if (rest.length >= suffix.length && rest.subarray(rest.length - suffix.length).equals(suffix)) {
    rest = rest.subarray(0, rest.length - suffix.length);
    kind = "messages";
  }
  if (rest.length === 0) return { ok: false, reason: "empty-id" };
  if (rest.includes(COLON)) return { ok: false, reason: "odd-key" };
  let id: string;
  try {
    id = utf8.decode(rest);
  } catch {
    return { ok: false, reason: "non-utf8" };
  }
  return { ok: true, kind, id };
}

/** A session id Herald accepts from outside (API, CLI, cookie): non-empty, no ':', bounded. */
export const SESSION_ID_PATTERN = /^[^:\s]{1,200}$/;

export function createKeys(layout: KeyLayout) {
  const { sessionPrefix: p, messagesSuffix: s } = layout;
  const broadcast = (bid: string) => `herald:bc:{${bid}}`;
  const deliveries = (bid: string) => `herald:bc:{${bid}}:deliveries`;
  const deliveriesByStatus = (bid: string, status: string) => `herald:bc:{${bid}}:status:${status}`;
  // Receipts of sessions reached live before the fan-out wrote their record (see fanout.ts).
  const earlyReceipts = (bid: string) => `herald:bc:{${bid}}:early`;
  return {
    layout,
    /** SCAN pattern that covers both kinds of session keys. */
    sessionScanPattern: `${escapeGlob(p)}*`,
    sessionData: (id: string) => `${p}${id}`,
    sessionMessages: (id: string) => `${p}${id}${s}`,

    broadcastIndex: () => "herald:broadcasts",
    broadcast,
    deliveries,
    deliveriesByStatus,
    /** BullMQ's prefix for the broadcast job queue: one hash tag, so its keys share a cluster slot. */
    jobQueuePrefix: () => "herald:{jobs}",
    earlyReceipts,
    /** List keys of the long lists this broadcast's fan-out pushed to (fanout.lua's duplicate check). */
    pushed: (bid: string) => `herald:bc:{${bid}}:pushed`,
    /**
     * On a cluster, the same for the lists of one slot: a key in that slot (its hash tag is the
     * slot's, see slotTag), so the fan-out call of that slot's lists marks them atomically too.
     */
    pushedInSlot: (bid: string, slot: number) => `herald:pushed:{${slotTag(slot)}}:${bid}`,
    /**
     * KEYS of the delivery-record scripts: the broadcast hash, its records, the receipts that
     * came before their record, then one set per status.
     */
    deliveryScriptKeys: (bid: string, statuses: string[]) => [
      broadcast(bid),
      deliveries(bid),
      earlyReceipts(bid),
      ...statuses.map((st) => deliveriesByStatus(bid, st)),
    ],

    /** Broadcast ids retracted, by time (the chat page drops them from what it shows). */
    retracted: () => "herald:retracted",
    /** The audit trail: a stream of who did what, when. */
    audit: () => "herald:audit",
    tokens: () => "herald:tokens",
    tokenHashes: () => "herald:tokens:by-hash",
    admins: () => "herald:admins",
    presence: () => "herald:presence",
    /** One rate-limit counter; the subject (hashed or bounded by the caller) is its own hash tag. */
    rateLimit: (scope: string, subject: string) => `herald:ratelimit:{${scope}:${subject}}`,
    /** Sign-in limits of one address, alone and with one email: one hash tag, checked in one script. */
    signInLimits: (address: string, email: string) => [
      `herald:ratelimit:{signin:${address}}`,
      `herald:ratelimit:{signin:${address}}:${email}`,
    ],
    /** Signed-in admin sessions: session id -> {email, expiresAt, …} (lib/auth/admin-sessions.ts). */
    adminSessions: () => "herald:admin-sessions",
    /** When each API token was last used: name -> ISO time (written at most once a minute). */
    tokensLastUsed: () => "herald:tokens:last-used",
  };
}

export type Keys = ReturnType<typeof createKeys>;

/** Socket.IO room of one end-user session. */
export const sessionRoom = (id: string) => `session:${id}`;
/** Socket.IO room (in /admin) of one broadcast's watchers. */
export const broadcastRoom = (bid: string) => `broadcast:${bid}`;

/** Escape a literal for a SCAN/HSCAN MATCH pattern. */
export function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Keys for the process configuration. */
export function getKeys(): Keys {
  const c = getConfig();
  return createKeys({ sessionPrefix: c.HERALD_SESSION_PREFIX, messagesSuffix: c.HERALD_MESSAGES_SUFFIX });
}
