import type { Redis } from "ioredis";
import { escapeGlob, type Keys } from "../redis/keys";
import { exactPage } from "../redis/scan-page";
import type { ScriptCommands } from "../redis/scripts";
import { DELIVERY_FILTER_SETS, type DeliveryRecord, type DeliveryStatus } from "../schemas/broadcast";

const RecordFields = ["status", "created", "reason", "at", "deliveredAt", "seenAt"] as const;

function decodeRecord(sessionId: string, raw: string | null): DeliveryRecord | null {
  if (!raw) return null;
  try {
    const r = JSON.parse(raw) as Record<string, unknown>;
    const out: Record<string, unknown> = { sessionId };
    for (const f of RecordFields) if (r[f] !== undefined) out[f] = r[f];
    return out as unknown as DeliveryRecord;
  } catch {
    return null;
  }
}

/** SCAN COUNT of a search by session id. */
const SEARCH_COUNT = 5000;
/** A search page answers within about this long (more matches come with its cursor). */
const SEARCH_BUDGET_MS = 700;

export interface DeliveryPage {
  deliveries: DeliveryRecord[];
  nextCursor: string | null;
}

/**
 * One page of exactly `limit` per-session records, paginated in Redis (HSCAN over the records,
 * or SSCAN over the sets of a rarer status's filter), so a page costs the same at 100 or 100,000
 * sessions. A status filter means "reached that stage", as the broadcast's counters count:
 * `delivered` includes the records since seen (DELIVERY_FILTER_SETS). `q` filters by session
 * id substring (MATCH): a whole id's record comes first, and a search page may end short
 * (after SEARCH_BUDGET_MS) with a cursor that goes on.
 */
export async function listDeliveries(
  redis: Redis,
  keys: Keys,
  broadcastId: string,
  opts: { status?: DeliveryStatus; cursor: string; limit: number; q?: string },
): Promise<DeliveryPage> {
  const { q } = opts;
  const reached = opts.status ? DELIVERY_FILTER_SETS[opts.status] : null;
  // `stored` (nearly every record) has no set of its own: that filter walks the records.
  const sets = reached && opts.status !== "stored" ? reached : null;
  // A search by a whole id finds its record at once (one HGET), ahead of the other matches,
  // which the walk then leaves out.
  let exact: DeliveryRecord | null = null;
  if (q && opts.cursor === "0" && opts.limit > 1) {
    exact = await getDelivery(redis, keys, broadcastId, q);
    if (exact && reached && !(reached as readonly string[]).includes(exact.status)) exact = null;
  }
  const limit = exact ? opts.limit - 1 : opts.limit;
  const match = q ? `*${escapeGlob(q)}*` : "*";
  // A search keeps few of the entries it reads: read many per call, or a rare id takes one
  // round trip per `limit` records (20,000 at 1M sessions). 5,000 entries are a ~2 ms call.
  const count = q ? Math.max(opts.limit, SEARCH_COUNT) : opts.limit;
  const notExact = (r: DeliveryRecord | null): r is DeliveryRecord => r !== null && r.sessionId !== q;
  const kept = (r: DeliveryRecord | null): r is DeliveryRecord =>
    notExact(r) && (!reached || reached.includes(r.status));
  const { rows, nextCursor } = await exactPage<DeliveryRecord>({
    cursor: opts.cursor,
    limit,
    phases: sets?.length ?? 1,
    idOf: (d) => d.sessionId,
    ...(q ? { budgetMs: SEARCH_BUDGET_MS } : {}),
    fetch: async (phase, cursor) => {
      if (!sets) {
        const [next, flat] = await redis.hscan(
          keys.deliveries(broadcastId),
          cursor,
          "MATCH",
          match,
          "COUNT",
          count,
        );
        const rows: DeliveryRecord[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const rec = decodeRecord(flat[i]!, flat[i + 1]!);
          if (kept(rec)) rows.push(rec);
        }
        return { rows, next };
      }
      const set = keys.deliveriesByStatus(broadcastId, sets[phase]!);
      const [next, ids] = await redis.sscan(set, cursor, "MATCH", match, "COUNT", count);
      if (ids.length === 0) return { rows: [], next };
      const raws = await redis.hmget(keys.deliveries(broadcastId), ...ids);
      const rows = ids.map((id, i) => decodeRecord(id, raws[i] ?? null));
      return { rows: rows.filter(notExact), next };
    },
  });
  return { deliveries: exact ? [exact, ...rows] : rows, nextCursor };
}

/** One session's record for one broadcast. */
export async function getDelivery(
  redis: Redis,
  keys: Keys,
  broadcastId: string,
  sessionId: string,
): Promise<DeliveryRecord | null> {
  return decodeRecord(sessionId, await redis.hget(keys.deliveries(broadcastId), sessionId));
}

/** A client's receipt, as recorded: the session's record moves to `to`. */
export interface Receipt {
  sessionId: string;
  to: "delivered" | "seen";
}

/**
 * What a receipt did: `moved` the record forward; was `kept` until the fan-out writes the
 * session's record (the live push goes out first); or was `ignored` (no record once the
 * broadcast is over, a duplicate or failed record, or nothing left to advance).
 */
export type ReceiptOutcome = "moved" | "kept" | "ignored";
const OUTCOMES: Record<string, ReceiptOutcome> = { "1": "moved", e: "kept" };

/** Record receipts of one broadcast's sessions (delivered or seen), in one script call. */
export async function markDeliveries(
  redis: Redis & ScriptCommands,
  keys: Keys,
  broadcastId: string,
  receipts: readonly Receipt[],
): Promise<ReceiptOutcome[]> {
  if (receipts.length === 0) return [];
  const k = keys.deliveryScriptKeys(broadcastId, ["delivered", "seen"]);
  let kinds = "";
  const ids: string[] = [];
  for (const r of receipts) {
    kinds += r.to === "seen" ? "s" : "d";
    ids.push(r.sessionId);
  }
  const out = await redis.heraldMarkDeliveries(k.length, ...k, new Date().toISOString(), kinds, ...ids);
  return receipts.map((_, i) => OUTCOMES[out[i] ?? ""] ?? "ignored");
}
