import { stringify } from "csv-stringify/sync";
import type { DeliveryRecord } from "../schemas/broadcast";

/**
 * The deliveries export as CSV (csv-stringify: RFC 4180 quoting, CRLF).
 *
 * Spreadsheets run a cell as a formula when it starts with = + - @ (or a tab or CR, which some
 * strip first), and a spreadsheet set to another separator (`;` in many locales) splits a
 * quoted cell at that separator, so a fragment like `a;=HYPERLINK(…)` becomes a formula cell of
 * its own. Quoting alone protects against neither. OWASP's mitigation is a leading `'`, which
 * changes the value. So there are two forms:
 *
 * - `data` (the default, for scripts): `session_id` is exact, never rewritten: it is the key a
 *   script joins on, and 1 in 64 of Herald's own ids start with `-`. The free-text `reason` is
 *   defused. The other columns are Herald's own values (status words, true/false, ISO times) and
 *   cannot start a formula. Trade-off: a hostile session id written by the chat app may still
 *   run as a formula in a spreadsheet opened on this form.
 * - `spreadsheet` (`?for=spreadsheet`, what the console downloads): every cell is defused, ids
 *   included (such an id shows with a `'` in front of it): nothing runs, in any locale.
 */
export type CsvForm = "data" | "spreadsheet";

export const DELIVERY_CSV_COLUMNS = [
  "session_id",
  "status",
  "list_created",
  "reason",
  "recorded_at",
  "delivered_at",
  "seen_at",
] as const;

/** A cell a spreadsheet would run: starts with a trigger, or one follows a separator or line break. */
const STARTS_FORMULA = /^[=+\-@\t\r]/;
const FRAGMENT_FORMULA = /([,;\t\r\n] *)(?=[=+\-@])/g;

/** OWASP's mitigation: a `'` before the cell, and before each fragment another locale would split off. */
export function defuseFormula(value: string): string {
  const inner = value.replace(FRAGMENT_FORMULA, "$1'");
  return STARTS_FORMULA.test(inner) ? `'${inner}` : inner;
}

/**
 * Quoted where RFC 4180 needs it, and also around `;` and tabs (the separators of other locales),
 * so a spreadsheet importing with those keeps such a cell whole. Plain cells stay bare: the format
 * scripts already read (`s1,stored,true,,2026-…`) does not change.
 */
const OPTIONS = { quoted_match: /[;\t]/, record_delimiter: "\r\n" } as const;

export function deliveriesCsvHeader(): string {
  return stringify([[...DELIVERY_CSV_COLUMNS]], OPTIONS);
}

export function deliveriesCsvRows(records: DeliveryRecord[], form: CsvForm): string {
  const id = form === "spreadsheet" ? defuseFormula : (s: string) => s;
  return stringify(
    records.map((d) => [
      id(d.sessionId),
      d.status,
      String(d.created ?? false),
      defuseFormula(d.reason ?? ""),
      d.at,
      d.deliveredAt ?? "",
      d.seenAt ?? "",
    ]),
    OPTIONS,
  );
}
