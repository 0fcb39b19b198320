import type { Emitters } from "../realtime/emitter";
import { ADMIN_ALL_ROOM, type BroadcastProgress } from "../realtime/events";
import { broadcastRoom } from "../redis/keys";
import type { RecordCounts } from "./batch";

const PROGRESS_EVERY_MS = 200;

/**
 * A run's progress: counts as records are written, sessions walked, and a running estimate of
 * the target's size. Reported at most every 200 ms to the CLI's bar and to admins watching.
 */
export function createProgress(
  id: string,
  start: RecordCounts & { processed: number; estimatedTotal: number },
  sinks: { emitters?: Emitters; onProgress?: (p: BroadcastProgress) => void },
) {
  const t0 = performance.now();
  const counts: RecordCounts = {
    targeted: start.targeted,
    stored: start.stored,
    created: start.created,
    duplicates: start.duplicates,
    failed: start.failed,
  };
  let processed = start.processed;
  let estimatedTotal = start.estimatedTotal;
  let last = 0;

  const snapshot = (status: BroadcastProgress["status"]): BroadcastProgress => {
    const secs = (performance.now() - t0) / 1000;
    return {
      id,
      status,
      processed,
      estimatedTotal: Math.max(estimatedTotal, processed),
      ...counts,
      rate: secs > 0 ? Math.round(processed / secs) : 0,
    };
  };

  return {
    counts,
    get processed() {
      return processed;
    },
    get estimatedTotal() {
      return estimatedTotal;
    },
    add(c: RecordCounts) {
      counts.targeted += c.targeted;
      counts.stored += c.stored;
      counts.created += c.created;
      counts.duplicates += c.duplicates;
      counts.failed += c.failed;
    },
    walked(n: number) {
      processed += n;
    },
    /** The walk starts over (another Redis process): what it walked so far counts for nothing. */
    restartWalk() {
      processed = 0;
    },
    estimate(n: number) {
      estimatedTotal = n;
    },
    report(force = false) {
      const now = performance.now();
      if (!force && now - last < PROGRESS_EVERY_MS) return;
      last = now;
      const p = snapshot("running");
      sinks.onProgress?.(p);
      sinks.emitters?.admins.to([ADMIN_ALL_ROOM, broadcastRoom(id)]).emit("broadcast:progress", p);
    },
    elapsedMs: () => performance.now() - t0,
  };
}

export type Progress = ReturnType<typeof createProgress>;
