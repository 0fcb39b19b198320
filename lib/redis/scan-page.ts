import { decodeScanPosition, encodeScanPosition, type ScanPosition } from "../schemas/cursor";

/** What one SCAN-family call from `cursor` gave: its rows (already filtered) and the next cursor. */
export interface ScanBatch<T> {
  rows: T[];
  next: string;
}

/**
 * Exactly `limit` rows (fewer only at the end) from a walk over SCAN pages, and the cursor to
 * go on with. A page holding more than is needed is cut: its rows are taken in id order and the
 * cursor remembers the last id shown, so the next request reads that page again and continues
 * after it. A walk may cross several phases (sets read one after the other), each from "0".
 * With `budgetMs`, a page may end short before the walk does (its cursor is then not null).
 * As with SCAN itself, a row added or removed meanwhile may be missed or shown twice; nothing
 * present throughout is ever skipped.
 */
export async function exactPage<T>(opts: {
  cursor: string;
  limit: number;
  phases?: number;
  idOf: (row: T) => string;
  fetch: (phase: number, cursor: string) => Promise<ScanBatch<T>>;
  /**
   * Stop walking after this long, with fewer rows and a cursor that goes on (a search keeps few
   * of the entries it reads: the caller shows what it has and asks for more).
   */
  budgetMs?: number;
}): Promise<{ rows: T[]; nextCursor: string | null }> {
  const from = decodeScanPosition(opts.cursor);
  if (!from) throw new Error(`not a page cursor: ${opts.cursor}`);
  const phases = opts.phases ?? 1;
  const out: T[] = [];
  let pos: ScanPosition | null = from.phase < phases ? from : null;
  const stopAt = opts.budgetMs === undefined ? Infinity : performance.now() + opts.budgetMs;
  while (pos && out.length < opts.limit && performance.now() < stopAt) {
    const batch = await opts.fetch(pos.phase, pos.scan);
    const after = pos.after;
    const rows = batch.rows
      .map((row) => ({ row, id: opts.idOf(row) }))
      .filter((r) => after === null || r.id > after)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const room = opts.limit - out.length;
    for (const r of rows.slice(0, room)) out.push(r.row);
    if (rows.length > room) {
      pos = { ...pos, after: rows[room - 1]!.id };
      break;
    }
    pos = batch.next !== "0" ? { phase: pos.phase, scan: batch.next, after: null } : nextPhase(pos, phases);
  }
  return { rows: out, nextCursor: pos ? encodeScanPosition(pos) : null };
}

function nextPhase(pos: ScanPosition, phases: number): ScanPosition | null {
  return pos.phase + 1 < phases ? { phase: pos.phase + 1, scan: "0", after: null } : null;
}
