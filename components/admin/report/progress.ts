import type { Broadcast } from "@/lib/schemas/broadcast";

// A running broadcast's progress as the report shows it. Two sources update it: socket events
// (every 200 ms, from the run's memory) and polling (from Redis, saved a page behind), so
// without care the numbers step back and forth; and for target `all` the total is an
// extrapolation that moves a little with every SCAN page.

const PROGRESS_FIELDS = [
  "processed",
  "estimatedTotal",
  "targeted",
  "stored",
  "created",
  "duplicates",
  "failed",
] as const;

/**
 * The newer of two readings of one broadcast, field by field: while it runs, a reading that has
 * processed fewer sessions than the one on screen is older, so its progress counts are ignored
 * (the rest of it, such as delivered and seen, is taken).
 */
export function mergeReading(old: Broadcast | undefined, next: Broadcast): Broadcast {
  if (!old || old.id !== next.id || next.status !== "running" || old.status !== "running") return next;
  if (next.processed >= old.processed) return next;
  const kept: Partial<Broadcast> = {};
  for (const f of PROGRESS_FIELDS) kept[f] = old[f];
  return { ...next, ...kept };
}

/** Three significant digits: an estimate of 203,007 reads "about 203,000". */
export function roundEstimate(n: number): number {
  if (n < 1000) return Math.round(n);
  const unit = 10 ** (Math.floor(Math.log10(n)) - 2);
  return Math.round(n / unit) * unit;
}

/** How far an estimate must move (share of the one shown) before the shown total follows it. */
const TOTAL_SLACK = 0.02;

/**
 * The total to show. Exact (a named or online target, counted first; or a finished run): as it
 * is. Extrapolated: rounded, and kept until the estimate moves by more than 2% or the sessions
 * processed pass it, so it does not wobble.
 */
export function stableTotal(
  shown: number | null,
  reading: { estimatedTotal: number; processed: number },
  exact: boolean,
): number {
  const estimate = Math.max(reading.estimatedTotal, reading.processed);
  if (exact) return estimate;
  if (shown === null || shown < reading.processed || Math.abs(estimate - shown) > shown * TOTAL_SLACK)
    return Math.max(roundEstimate(estimate), reading.processed);
  return shown;
}

/** Seconds left at `rate` sessions per second, or null when it cannot be told yet. */
export function secondsLeft(processed: number, total: number, rate: number | null): number | null {
  if (!rate || rate <= 0 || total <= 0 || processed === 0) return null;
  return Math.max(0, total - processed) / rate;
}

/** A reading of how far a run got, and when the page saw it. */
export interface Sample {
  at: number;
  processed: number;
}

const RATE_WINDOW_MS = 4000;

/**
 * Add a reading to the recent ones (the last few seconds are kept) and give the recent rate in
 * sessions per second, or null with too little to go on. A run speeds up after its first
 * pages, so the rate since its start (what the server reports) makes early estimates too long.
 */
export function recentRate(samples: Sample[], next: Sample): { samples: Sample[]; rate: number | null } {
  const last = samples.at(-1);
  const kept =
    last && next.processed < last.processed ? [] : samples.filter((s) => next.at - s.at <= RATE_WINDOW_MS);
  if (!last || last.processed !== next.processed) kept.push(next);
  const first = kept[0]!;
  const newest = kept.at(-1)!;
  const secs = (newest.at - first.at) / 1000;
  return { samples: kept, rate: secs >= 1 ? (newest.processed - first.processed) / secs : null };
}
