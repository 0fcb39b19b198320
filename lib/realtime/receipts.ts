import { markDeliveries, type Receipt, type ReceiptOutcome } from "../broadcasts/deliveries";
import type { Deps } from "../context";

/** Receipts written in one script call at most (keeps each call short for other clients). */
const MAX_BATCH = 1000;

interface Pending extends Receipt {
  resolve: (outcome: ReceiptOutcome) => void;
  reject: (err: unknown) => void;
}

/**
 * Receipts arrive by the thousand right after a broadcast (every online client acks within
 * milliseconds). Written one by one they cost a script call and an admin event each and
 * compete with the fan-out for Redis. Here the receipts read in one turn of the event loop (a
 * flood brings many per turn, a lone one waits for nothing) are written in one call per
 * broadcast, and `onRecorded` gets, once per batch, the receipts that moved a record and
 * those kept until their record is written.
 */
export function receiptBatcher(
  deps: Pick<Deps, "redis" | "keys" | "log">,
  onRecorded: (broadcastId: string, moved: Receipt[], kept: Receipt[]) => void,
) {
  let pending = new Map<string, Pending[]>();
  let size = 0;
  let timer: NodeJS.Immediate | undefined;

  const writing = new Set<Promise<void>>();

  const write = async (broadcastId: string, batch: Pending[]) => {
    let outcomes: ReceiptOutcome[];
    try {
      outcomes = await markDeliveries(deps.redis, deps.keys, broadcastId, batch);
    } catch (err) {
      for (const r of batch) r.reject(err);
      return;
    }
    const moved: Receipt[] = [];
    const kept: Receipt[] = [];
    batch.forEach((r, i) => {
      const outcome = outcomes[i] ?? "ignored";
      if (outcome === "moved") moved.push({ sessionId: r.sessionId, to: r.to });
      else if (outcome === "kept") kept.push({ sessionId: r.sessionId, to: r.to });
      r.resolve(outcome);
    });
    try {
      if (moved.length + kept.length > 0) onRecorded(broadcastId, moved, kept);
    } catch (err) {
      // The receipts are recorded; only the notice of it failed.
      deps.log.warn({ broadcastId, err: String(err) }, "receipts recorded, notice failed");
    }
  };

  const flush = () => {
    if (timer) clearImmediate(timer);
    timer = undefined;
    const batches = pending;
    pending = new Map();
    size = 0;
    for (const [id, batch] of batches) {
      const w = write(id, batch);
      writing.add(w);
      void w.finally(() => writing.delete(w));
    }
    // Also what earlier flushes still write (on shutdown, before the connections close).
    return Promise.all([...writing]).then(() => {});
  };

  return {
    /** Queue one receipt; resolves with what it did once its batch is written. */
    add(broadcastId: string, receipt: Receipt): Promise<ReceiptOutcome> {
      return new Promise((resolve, reject) => {
        const list = pending.get(broadcastId);
        const entry = { ...receipt, resolve, reject };
        if (list) list.push(entry);
        else pending.set(broadcastId, [entry]);
        if (++size >= MAX_BATCH) void flush();
        else timer ??= setImmediate(flush);
      });
    },
    /** Write whatever waits, and wait for the writes under way (on shutdown). */
    flush,
  };
}
