// How the console writes numbers, times and shares: pure functions, one place.

const nf = new Intl.NumberFormat("en-US");
export const fmt = (n: number | undefined | null) => (n == null ? "—" : nf.format(n));

/** A count that may be an estimate (a preview still counting): "≈ 1,000,000". */
export const fmtCount = (n: number | undefined | null, estimated: boolean) =>
  estimated && n != null ? `≈ ${fmt(n)}` : fmt(n);

/** What a preview still counting says of itself: "Counting… 35% walked". */
export const countingNote = (walked: number) => `Counting… ${Math.floor(walked * 100)}% walked`;

export function formatTime(iso: string | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** "just now", "3 min ago", "5 h ago", then the date: coarse enough to tick every few seconds. */
export function relativeTime(iso: string | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "—";
  const s = Math.round((now - t) / 1000);
  if (s < -60) return formatTime(iso);
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return formatTime(iso);
}

/** A session's expiry, as a phrase: "expires in 3 h", "never expires". */
export function describeTtl(ttl: number | null): string {
  if (ttl === null) return "expiry unknown";
  if (ttl < 0) return "never expires";
  return `expires in ${formatTtl(ttl)}`;
}

/** A TTL in a table cell: "45 min", "3 h", "6 d"; "never" without one. */
export function formatTtl(ttl: number | null): string {
  if (ttl === null) return "—";
  if (ttl < 0) return "never";
  if (ttl < 3600) return `${Math.max(1, Math.ceil(ttl / 60))} min`;
  if (ttl < 172_800) return `${Math.round(ttl / 3600)} h`;
  return `${Math.round(ttl / 86_400)} d`;
}

/** A share as people read it: never "0%" for some, nor "100%" for not quite all. */
export function share(n: number, of: number): string {
  if (of <= 0) return "—";
  const p = (n / of) * 100;
  if (n > 0 && p < 1) return "<1%";
  if (n < of && p > 99) return ">99%";
  return `${Math.round(p)}%`;
}

/** A duration ahead, rounded as an estimate should be: "about 8 s", "about 40 s", "about 3 min". */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 3) return "a few seconds";
  if (seconds < 15) return `about ${Math.round(seconds)} s`;
  if (seconds < 60) return `about ${Math.round(seconds / 5) * 5} s`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return `about ${h} h${m > 0 ? ` ${m} min` : ""}`;
}
