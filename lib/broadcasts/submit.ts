import { recordAudit } from "../audit";
import type { Deps } from "../context";
import { HeraldError } from "../errors";
import {
  type Broadcast,
  type BroadcastRequest,
  type BroadcastStatus,
  FINISHED_STATUSES,
} from "../schemas/broadcast";
import { createBroadcast } from "./create";
import { enqueueBroadcast } from "./jobs";
import { getBroadcast, toPublic } from "./store";

/**
 * What the API and the CLI do to send: create the record (or find the same broadcast under its
 * id), make sure a job runs it, and answer at once; `waitForBroadcast` follows it to its end.
 */
export async function submitBroadcast(
  deps: Deps,
  req: BroadcastRequest,
  author: string,
): Promise<{ id: string; status: BroadcastStatus }> {
  const created = await createBroadcast(deps, req, author);
  // Cancelled or retracted: a re-send does not bring it back.
  if (created.status === "cancelled" || created.status === "retracted")
    return { id: created.id, status: created.status };
  const queued = await enqueueBroadcast(deps, created.id, { at: req.sendAt });
  if (req.expiresAt) await enqueueBroadcast(deps, created.id, { kind: "expire", at: req.expiresAt });
  if (created.created)
    await recordAudit(deps, {
      actor: author,
      action: req.sendAt ? "broadcast.scheduled" : "broadcast.sent",
      broadcastId: created.id,
      detail: req.sendAt ? `for ${req.sendAt}` : undefined,
    });
  // A re-send of a finished broadcast runs it again; one in progress goes on as it is.
  const status: BroadcastStatus =
    queued && FINISHED_STATUSES.includes(created.status) ? "queued" : created.status;
  return { id: created.id, status };
}

export interface WaitResult {
  /** True when the broadcast reached a finished status in time. */
  done: boolean;
  broadcast: Broadcast;
}

/**
 * Follow a broadcast until it finishes or `timeoutMs` passes, reading its record (whichever
 * instance's worker runs it). `onUpdate` sees each reading (a progress bar).
 */
export async function waitForBroadcast(
  deps: Deps,
  id: string,
  timeoutMs: number,
  opts: { onUpdate?: (b: Broadcast) => void; since?: number; signal?: AbortSignal } = {},
): Promise<WaitResult> {
  const deadline = Date.now() + timeoutMs;
  // A re-run keeps the old finishedAt until it starts: only a finish after `since` counts.
  const since = opts.since ?? 0;
  let delay = 50;
  for (;;) {
    const record = await getBroadcast(deps.redis, deps.keys, id);
    if (!record) throw new HeraldError("not_found", `broadcast ${id} not found`);
    const b = toPublic(record);
    opts.onUpdate?.(b);
    const finishedAt = b.finishedAt ? Date.parse(b.finishedAt) : 0;
    if (FINISHED_STATUSES.includes(b.status) && finishedAt >= since) return { done: true, broadcast: b };
    const left = deadline - Date.now();
    if (left <= 0 || opts.signal?.aborted) return { done: false, broadcast: b };
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
    delay = Math.min(delay * 2, 250);
  }
}
