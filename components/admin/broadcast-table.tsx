"use client";

import Link from "next/link";
import type { Broadcast } from "@/lib/schemas/broadcast";
import { fmt, LevelBadge, relativeTime, StatusBadge, Table, td, th } from "./ui";

/** Broadcasts newest first: what was sent, by whom, and what became of it. */
export function BroadcastTable({ broadcasts, compact }: { broadcasts: Broadcast[]; compact?: boolean }) {
  return (
    <Table label="Broadcasts">
      <thead className="border-b border-slate-100">
        <tr>
          <th scope="col" className={th}>
            Broadcast
          </th>
          <th scope="col" className={th}>
            Status
          </th>
          {!compact && (
            <th scope="col" className={th}>
              Author
            </th>
          )}
          <th scope="col" className={`${th} text-right`}>
            Targeted
          </th>
          <th scope="col" className={`${th} text-right`}>
            Stored
          </th>
          <th scope="col" className={`${th} text-right`}>
            Failed
          </th>
          <th scope="col" className={`${th} text-right`}>
            Delivered
          </th>
          {!compact && (
            <th scope="col" className={`${th} text-right`}>
              Seen
            </th>
          )}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {broadcasts.map((b) => (
          <tr key={b.id} className="group relative hover:bg-slate-50">
            <td className={`${td} max-w-[22rem]`}>
              <div className="flex items-center gap-2">
                <LevelBadge level={b.level} />
                <Link
                  href={`/admin/broadcasts/${encodeURIComponent(b.id)}`}
                  className="min-w-0 truncate font-medium text-slate-900 after:absolute after:inset-0 hover:text-indigo-700 focus-visible:outline-none"
                >
                  {b.title || b.message}
                </Link>
              </div>
              <p className="mt-0.5 truncate text-xs text-slate-500">
                {b.title ? `${b.message} · ` : ""}
                <time dateTime={b.createdAt} title={new Date(b.createdAt).toLocaleString()}>
                  {relativeTime(b.createdAt)}
                </time>
                {compact && ` · ${b.author}`}
              </p>
            </td>
            <td className={td}>
              <StatusBadge status={b.status} />
            </td>
            {!compact && <td className={`${td} max-w-[12rem] truncate text-slate-600`}>{b.author}</td>}
            <td className={`${td} text-right tabular-nums`}>{fmt(b.targeted)}</td>
            <td className={`${td} text-right tabular-nums`}>{fmt(b.stored)}</td>
            <td
              className={`${td} text-right tabular-nums ${b.failed > 0 ? "font-medium text-rose-700" : ""}`}
            >
              {fmt(b.failed)}
            </td>
            <td className={`${td} text-right tabular-nums`}>{fmt(b.delivered)}</td>
            {!compact && <td className={`${td} text-right tabular-nums`}>{fmt(b.seen)}</td>}
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
