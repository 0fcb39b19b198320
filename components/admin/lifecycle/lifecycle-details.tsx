"use client";

import type { Broadcast } from "@/lib/schemas/broadcast";
import { fmt, formatTime } from "../format";

const copies = (n: number) => `${fmt(n)} ${n === 1 ? "copy" : "copies"}`;

/** When it is sent and expires, and who cancelled or retracted it: one line each, when set. */
export function LifecycleDetails({ broadcast: b }: { broadcast: Broadcast }) {
  const rows: [string, string][] = [];
  if (b.sendAt) rows.push([b.status === "scheduled" ? "Sends at" : "Scheduled for", formatTime(b.sendAt)]);
  if (b.expiresAt && b.status !== "retracted") rows.push(["Expires at", formatTime(b.expiresAt)]);
  if (b.cancelledAt)
    rows.push(["Cancelled", `${formatTime(b.cancelledAt)} by ${b.cancelledBy ?? "unknown"}`]);
  if (b.retractedAt)
    rows.push([
      "Retracted",
      `${formatTime(b.retractedAt)} by ${b.retractedBy === "expiry" ? "its expiry" : (b.retractedBy ?? "unknown")} · ${
        b.retraction === "done"
          ? `${copies(b.removed ?? 0)} removed`
          : `removing copies (${fmt(b.removed ?? 0)} so far)`
      }`,
    ]);
  if (b.error && ["failed", "interrupted", "partial"].includes(b.status)) rows.push(["Last error", b.error]);
  if (rows.length === 0) return null;
  return (
    <div
      className="mb-4 grid gap-1 rounded-lg border border-slate-200 bg-white px-4 py-3 text-sm"
      data-testid="lifecycle"
    >
      {rows.map(([k, v]) => (
        <p key={k}>
          <span className="font-medium text-slate-800">{k}: </span>
          <span className="text-slate-700">{v}</span>
        </p>
      ))}
    </div>
  );
}
