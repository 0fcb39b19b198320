import { z } from "zod";

/**
 * Where a paginated walk over SCAN-family pages (SCAN, SSCAN, HSCAN) stands. A SCAN page
 * cannot be split on the server, so a page of exactly `limit` rows may end inside one: `after`
 * is then the last id shown from the page that starts at `scan` (its ids are taken in sorted
 * order, so the page continues after it). `phase` is which of several sets the walk is in
 * (one filter may read several sets, one after the other).
 *
 * Written as `<scan>` (phase 0, page boundary, the plain SCAN cursor clients always had),
 * `<phase>.<scan>`, or `<phase>.<scan>.<after as base64url>`.
 */
export interface ScanPosition {
  phase: number;
  scan: string;
  after: string | null;
}

export const SCAN_START: ScanPosition = { phase: 0, scan: "0", after: null };

const MAX_SCAN = 2n ** 64n;
const MAX_PHASE = 9;

function toBase64Url(s: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(s: string): string | null {
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

export function encodeScanPosition(p: ScanPosition): string {
  if (p.phase === 0 && p.after === null) return p.scan;
  return p.after === null ? `${p.phase}.${p.scan}` : `${p.phase}.${p.scan}.${toBase64Url(p.after)}`;
}

/** The position a cursor names, or null when it is not one Herald gave out. */
export function decodeScanPosition(cursor: string): ScanPosition | null {
  const parts = cursor.split(".");
  if (parts.length > 3) return null;
  const [first, second, third] = parts;
  const scan = parts.length === 1 ? first : second;
  if (!scan || !/^\d{1,20}$/.test(scan) || BigInt(scan) >= MAX_SCAN) return null;
  if (parts.length === 1) return { phase: 0, scan, after: null };
  if (!/^\d$/.test(first ?? "") || Number(first) > MAX_PHASE) return null;
  let after: string | null = null;
  if (third !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,400}$/.test(third)) return null;
    after = fromBase64Url(third);
    if (after === null) return null;
  }
  return { phase: Number(first), scan, after };
}

/** `?cursor=` of a SCAN-paginated list: "0" or a cursor from a previous page (anything else is a 400). */
export const ScanCursorSchema = z
  .string()
  .refine((c) => decodeScanPosition(c) !== null, "cursor is a cursor from a previous page")
  .default("0");
