"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import type { Broadcast } from "@/lib/schemas/broadcast";
import { fmt, formatTime } from "./format";
import { type Column, DataTable } from "./table";
import { RelativeTime } from "./time";
import { ButtonLink, EmptyState, LevelBadge, MegaphoneIcon, StatusBadge } from "./ui";

/** A right-aligned count column. */
function count(header: string, value: (b: Broadcast) => number): Column<Broadcast> {
  return {
    header,
    className: "hidden text-right md:table-cell",
    cellClassName: "tabular-nums",
    cell: (b) => fmt(value(b)),
  };
}

/** Broadcasts newest first: what was sent, by whom, and what became of it. */
export function BroadcastTable({ broadcasts, compact }: { broadcasts: Broadcast[]; compact?: boolean }) {
  return (
    <DataTable
      label="Broadcasts"
      rows={broadcasts}
      rowKey={(b) => b.id}
      rowClassName="group relative hover:bg-slate-50"
      columns={[
        {
          header: "Broadcast",
          cellClassName: "max-w-[22rem]",
          cell: (b) => (
            <>
              <div className="flex items-center gap-2">
                <LevelBadge level={b.level} />
                <Link
                  href={`/admin/broadcasts/${encodeURIComponent(b.id)}`}
                  className="min-w-0 truncate font-medium text-slate-900 after:absolute after:inset-0 hover:text-indigo-700 focus-visible:outline-none"
                >
                  {b.title || b.message}
                </Link>
              </div>
              <p className="mt-0.5 truncate text-xs text-slate-600">
                {b.title ? `${b.message} · ` : ""}
                <RelativeTime iso={b.createdAt} />
                {compact && ` · ${b.author}`}
              </p>
              <RowSummary b={b} />
            </>
          ),
        },
        {
          header: "Status",
          className: "hidden md:table-cell",
          cell: (b) => (
            <>
              <StatusBadge status={b.status} />
              {b.status === "scheduled" && b.sendAt && (
                <p className="mt-0.5 whitespace-nowrap text-xs text-slate-600" data-testid="sends-at">
                  <time dateTime={b.sendAt}>{formatTime(b.sendAt)}</time>
                </p>
              )}
            </>
          ),
        },
        !compact && {
          header: "Author",
          className: "hidden lg:table-cell",
          cellClassName: "max-w-[12rem] truncate text-slate-600",
          cell: (b) => b.author,
        },
        count("Targeted", (b) => b.targeted),
        count("Stored", (b) => b.stored),
        {
          ...count("Failed", (b) => b.failed),
          cellClassName: (b) => (b.failed > 0 ? "tabular-nums font-medium text-rose-700" : "tabular-nums"),
        },
        count("Delivered", (b) => b.delivered),
        !compact && count("Seen", (b) => b.seen),
      ]}
    />
  );
}

/** On a phone the table keeps one column: its status and counts go under the title. */
function RowSummary({ b }: { b: Broadcast }) {
  return (
    <p className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-700 md:hidden">
      <StatusBadge status={b.status} />
      {b.status === "scheduled" && b.sendAt && <span>sends {formatTime(b.sendAt)}</span>}
      <span className="tabular-nums">
        {fmt(b.targeted)} targeted · {fmt(b.stored)} stored
        {b.failed > 0 && <span className="font-medium text-rose-700"> · {fmt(b.failed)} failed</span>} ·{" "}
        {fmt(b.delivered)} delivered
      </span>
    </p>
  );
}

/** The empty state of a list of broadcasts, with a link to compose one. */
export function NoBroadcasts({ action, children }: { action: string; children: ReactNode }) {
  return (
    <EmptyState
      title="No broadcasts yet"
      icon={<MegaphoneIcon />}
      action={<ButtonLink href="/admin/broadcasts/new">{action}</ButtonLink>}
    >
      {children}
    </EmptyState>
  );
}
