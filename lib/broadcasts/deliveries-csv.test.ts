import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import type { DeliveryRecord } from "../schemas/broadcast";
import {
  DELIVERY_CSV_COLUMNS,
  defuseFormula,
  deliveriesCsvHeader,
  deliveriesCsvRows,
} from "./deliveries-csv";

/** Ids a spreadsheet would run, or that stress quoting; all legal session ids (no ':'). */
const HOSTILE_IDS = [
  "-Xk3_9aQ", // one of Herald's own ids: 1 in 64 start with '-'
  "=1+1",
  "+cmd|' /C calc'!A0",
  "@SUM(A1)",
  '=HYPERLINK("//evil.example","click")',
  "\t=1+1",
  "\r=1+1",
  'a;=HYPERLINK("//evil.example")',
  "a; -2+3",
  "a,=1+1",
  'quote"inside',
  "line\nbreak=1",
  "'already",
  "plain-id",
];

const TRIGGER = /^[=+\-@\t\r]/;

const record = (sessionId: string, reason?: string): DeliveryRecord => ({
  sessionId,
  status: reason ? "failed" : "stored",
  created: true,
  reason,
  at: "2026-12-04T05:00:00.000Z",
});

const parseCsv = (text: string): string[][] => parse(text, { relax_column_count: false });

/** What a spreadsheet set to `sep` would see as cells if it split every line at `sep`. */
function naiveCells(text: string, sep: string): string[] {
  return text.split(/\r\n|\n|\r/).flatMap((line) => line.split(sep).map((c) => c.replace(/^[\s"]+/, "")));
}

describe("deliveries CSV", () => {
  it("writes the header and Herald's own values as before (bare where no quoting is needed)", () => {
    expect(deliveriesCsvHeader()).toBe(`${DELIVERY_CSV_COLUMNS.join(",")}\r\n`);
    expect(deliveriesCsvRows([record("s1")], "data")).toBe("s1,stored,true,,2026-12-04T05:00:00.000Z,,\r\n");
  });

  it("data form: every id parses back exactly, whatever it starts with or holds", () => {
    const text =
      deliveriesCsvHeader() +
      deliveriesCsvRows(
        HOSTILE_IDS.map((id) => record(id)),
        "data",
      );
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...DELIVERY_CSV_COLUMNS]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(HOSTILE_IDS);
  });

  it("both forms defuse the free-text reason", () => {
    for (const form of ["data", "spreadsheet"] as const) {
      const rows = parseCsv(deliveriesCsvRows([record("s1", "=cmd|' /C calc'!A0;=1+1")], form));
      expect(rows[0]![3]).toBe("'=cmd|' /C calc'!A0;'=1+1");
    }
  });

  it("spreadsheet form: no cell starts a formula, nor any fragment another locale's separator splits off", () => {
    const text = deliveriesCsvRows(
      HOSTILE_IDS.map((id) => record(id, id)),
      "spreadsheet",
    );
    for (const row of parseCsv(text)) for (const cell of row) expect(cell).not.toMatch(TRIGGER);
    for (const sep of [",", ";", "\t"])
      for (const cell of naiveCells(text, sep))
        expect(cell, `split at ${JSON.stringify(sep)}`).not.toMatch(TRIGGER);
    // An id that needed nothing is left alone; one that did shows with its `'` in front.
    const ids = parseCsv(text).map((r) => r[0]);
    expect(ids).toContain("plain-id");
    expect(ids).toContain("'-Xk3_9aQ");
  });

  it("defuseFormula leaves text that runs nothing as it is", () => {
    for (const s of ["hello", "a-b", "2026-12-04T05:00:00.000Z", "x = 1", "", "'already"])
      expect(defuseFormula(s)).toBe(s);
    expect(defuseFormula("-1")).toBe("'-1");
    expect(defuseFormula("a;=b")).toBe("a;'=b");
    expect(defuseFormula("a, +b")).toBe("a, '+b");
  });
});
