"use client";

import Link from "next/link";
import type { SessionInfo } from "@/lib/schemas/session";
import { formatTtl } from "../format";
import type { Column } from "../table";
import { cn, SessionStateBadges } from "../ui";

/** A session id linking to its detail page; `stretch` makes the whole (relative) row the link. */
export function SessionLink({ id, stretch }: { id: string; stretch?: boolean }) {
  return (
    <Link
      href={`/admin/sessions/${encodeURIComponent(id)}`}
      className={cn(
        "block truncate font-mono text-xs text-slate-800 hover:text-indigo-700",
        stretch && "after:absolute after:inset-0",
      )}
      title={id}
    >
      {id}
    </Link>
  );
}

/** Rows keyed by session id and marked `data-session-id` (what tests and links find them by). */
export function sessionRows<T>(id: (row: T) => string) {
  return { rowKey: id, rowData: (row: T) => ({ "data-session-id": id(row) }) };
}

/** Session, state and expiry: the columns of every table of sessions. */
export function sessionColumns({
  stretch,
  idWidth,
}: {
  stretch?: boolean;
  idWidth: "max-w-[16rem]" | "max-w-[20rem]";
}): Column<SessionInfo>[] {
  return [
    { header: "Session", cellClassName: idWidth, cell: (s) => <SessionLink id={s.id} stretch={stretch} /> },
    { header: "State", cell: (s) => <SessionStateBadges {...s} /> },
    {
      header: "Expires",
      className: "hidden sm:table-cell",
      cellClassName: "whitespace-nowrap text-xs text-slate-500",
      cell: (s) => formatTtl(s.ttlSeconds),
    },
  ];
}
