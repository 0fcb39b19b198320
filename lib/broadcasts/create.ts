import { randomUUID } from "node:crypto";
import type { Deps } from "../context";
import { HeraldError } from "../errors";
import { clusterOf } from "../redis/connection";
import type { BroadcastRequest, BroadcastStatus } from "../schemas/broadcast";
import type { StoredMessage } from "../schemas/message";
import { claimBroadcast, type StoredBroadcast } from "./store";

/** Build the one message JSON stored in every session of this broadcast. */
export function buildMessage(id: string, req: BroadcastRequest, createdAt: string): StoredMessage {
  // Key order is fixed by construction, so every session gets the byte-identical string.
  return {
    id,
    type: "broadcast",
    ...(req.title ? { title: req.title } : {}),
    message: req.message,
    level: req.level,
    broadcastId: id,
    createdAt,
  };
}

export interface Created {
  id: string;
  /** The status the record had when this call returned (a fresh one is `queued`). */
  status: BroadcastStatus;
  /** False when the id held this same broadcast already (a re-send). */
  created: boolean;
}

/**
 * Create a broadcast's record, `queued` (claiming its id and writing the record is one atomic
 * step), or find the same broadcast under that id. The same id with another message, title,
 * level or target is a 409.
 */
export async function createBroadcast(deps: Deps, req: BroadcastRequest, author: string): Promise<Created> {
  const id = req.id ?? randomUUID();
  const createdAt = new Date().toISOString();
  const record: StoredBroadcast = {
    id,
    status: req.sendAt ? "scheduled" : "queued",
    message: req.message,
    level: req.level,
    target: normalizeTarget(req.target),
    author,
    createdAt,
    // A scheduled message is dated when it goes out, not when it was written.
    payload: JSON.stringify(buildMessage(id, req, req.sendAt ?? createdAt)),
    cursor: "0",
    cursorRunId: "",
    // A cluster keeps a set of marks per slot, beside the lists it marks (see fanout.lua).
    dedupe: clusterOf(deps.redis) ? "slot-marks" : "marks",
    targeted: 0,
    stored: 0,
    created: 0,
    duplicates: 0,
    failed: 0,
    delivered: 0,
    seen: 0,
    processed: 0,
    estimatedTotal: 0,
  };
  if (req.title) record.title = req.title;
  if (req.sendAt) record.sendAt = req.sendAt;
  if (req.expiresAt) record.expiresAt = req.expiresAt;
  const claim = await claimBroadcast(deps.redis, deps.keys, record);
  if (claim.outcome === "conflict") {
    throw new HeraldError("conflict", `broadcast ${id} exists with another ${claim.field}`);
  }
  return { id, status: claim.status, created: claim.outcome === "created" };
}

/** A named-sessions target keeps each id once, in its first place (a re-send compares it as stored). */
function normalizeTarget(target: BroadcastRequest["target"]): BroadcastRequest["target"] {
  if (target.type !== "sessions") return target;
  return { type: "sessions", ids: [...new Set(target.ids)] };
}
