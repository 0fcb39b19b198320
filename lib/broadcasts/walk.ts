import type { Deps } from "../context";
import type { Target } from "../schemas/broadcast";
import { scanSessionKeys, scanWalked, uniqueSessions, WalkRestarted } from "../sessions/discover";
import { onlinePage } from "../sessions/presence";

export { scanWalked, WalkRestarted };

/**
 * Walking a broadcast's target page by page, each page with the point to resume after it.
 * A resume never trusts a SCAN cursor from another Redis process: each page says which process
 * gave it (its run_id), and the walk starts over when that changes (a Redis restart, a
 * failover). The fan-out's per-session duplicate check keeps a walk done twice exact.
 */

/**
 * A session to write to, and how it was found (the fan-out script's dedupe needs it): by its
 * data key, by its list, named explicitly, or online (ahead of the walk).
 */
export interface TargetEntry {
  id: string;
  kind: "d" | "m" | "e" | "o";
}

export interface TargetPage {
  entries: TargetEntry[];
  /** Where to continue after this page (stored as the resume point once the page is done). */
  cursor: string;
  /** The Redis process the cursor belongs to ("" when the cursor is not a SCAN cursor). */
  runId: string;
  /** Share of the whole target walked once this page is done (0..1), when the walk can tell. */
  walked?: number;
}

/** Where a walk starts: a saved point, valid only on the Redis process that gave it. */
export interface ResumePoint {
  cursor: string;
  runId: string;
}

export const FROM_START: ResumePoint = { cursor: "0", runId: "" };

/** The target, page by page. Throws WalkRestarted when a resumed SCAN cursor belongs to another Redis process. */
export async function* targetPages(
  deps: Deps,
  target: Target,
  from: ResumePoint,
): AsyncGenerator<TargetPage> {
  const { redis, keys, config } = deps;
  if (target.type === "sessions") {
    const step = 1000;
    for (let i = Number(from.cursor) || 0; i < target.ids.length; i += step) {
      const ids = [...new Set(target.ids.slice(i, i + step))];
      yield { entries: ids.map((id) => ({ id, kind: "e" as const })), cursor: String(i + step), runId: "" };
    }
    return;
  }
  if (target.type === "online") {
    // The online set changes while we walk it; a resume starts over (the duplicate check makes that safe).
    const step = 1000;
    for (let offset = 0; ; offset += step) {
      const ids = await onlinePage(redis, keys, offset, step);
      yield { entries: ids.map((id) => ({ id, kind: "e" as const })), cursor: "0", runId: "" };
      if (ids.length < step) return;
    }
  }
  let expected = from.cursor === "0" ? "" : from.runId;
  for await (const page of scanSessionKeys(redis, keys, {
    cursor: from.cursor,
    count: config.HERALD_SCAN_COUNT,
    trackRunId: true,
  })) {
    const runId = page.runId ?? "";
    // Another process answered: its keyspace order is another, so the cursor skips and repeats.
    if (expected && runId !== expected)
      throw new WalkRestarted(`Redis run_id changed (${expected} -> ${runId})`);
    expected = runId;
    yield {
      entries: page.found.map((f) => ({ id: f.id, kind: f.kind === "data" ? "d" : "m" })),
      cursor: page.cursor,
      runId,
      walked: page.walked ?? scanWalked(page.cursor),
    };
  }
}

/** How many sessions a target holds (for the progress bar). */
export async function estimateTarget(deps: Deps, target: Target): Promise<number> {
  const { redis, keys, config } = deps;
  if (target.type === "sessions") return new Set(target.ids).size;
  if (target.type === "online") return redis.zcount(keys.presence(), `(${Date.now()}`, "+inf");
  let n = 0;
  for await (const page of uniqueSessions(redis, keys, { count: config.HERALD_SCAN_COUNT }))
    n += page.sessions.length;
  return n;
}

/**
 * Pull up to `depth` items ahead of the consumer: the next SCAN is on its way while the
 * batches of the current page are written.
 */
export async function* readAhead<T>(source: AsyncGenerator<T>, depth: number): AsyncGenerator<T> {
  const queue: Promise<IteratorResult<T>>[] = [];
  try {
    for (;;) {
      while (queue.length < depth) {
        const next = source.next();
        // Rethrown when its turn comes; meanwhile a failure (WalkRestarted at the end of a cluster
        // walk) must not count as unhandled while the consumer is busy with earlier pages.
        next.catch(() => {});
        queue.push(next);
      }
      const next = await queue.shift()!;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Stopped early: pages still being read are dropped (a failure there is not news any more).
    for (const p of queue) p.catch(() => {});
    await source.return(undefined).catch(() => {});
  }
}
