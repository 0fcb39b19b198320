"use client";

import Link from "next/link";
import type { AuditEntry } from "@/lib/audit";
import { api } from "./api";
import { formatTime } from "./format";
import { useUrlPosition } from "./list-state";
import { CursorList, DataTable, useCursorList } from "./table";
import { Card, EmptyState, PageHeader } from "./ui";

const PAGE = 50;

const ACTION_LABEL: Record<AuditEntry["action"], string> = {
  "broadcast.sent": "Sent",
  "broadcast.scheduled": "Scheduled",
  "broadcast.cancelled": "Cancelled",
  "broadcast.retracted": "Retracted",
  "broadcast.expired": "Expired",
  "admin.added": "Admin added",
  "admin.removed": "Admin removed",
  "admin.password-changed": "Password changed",
  "admin.signed-out-elsewhere": "Signed out elsewhere",
  "token.created": "Token created",
  "token.revoked": "Token revoked",
};

/** The audit trail: who sent, scheduled, cancelled, retracted what, and when; newest first. */
export function AuditLog() {
  const list = useCursorList({
    list: "audit",
    position: useUrlPosition(),
    query: (cursor) => ({
      queryKey: ["audit", cursor],
      queryFn: () =>
        api<{ entries: AuditEntry[]; nextCursor: string | null }>(
          `/api/audit?limit=${PAGE}${cursor !== "0" ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        ),
    }),
    rows: (d) => d.entries,
  });
  return (
    <>
      <PageHeader
        title="Audit trail"
        description="Who did what to which broadcast, admin or token, and when. Newest first."
      />
      <Card title="Actions" bodyClassName="px-4 pb-4 pt-1 sm:px-5">
        <CursorList
          list={list}
          loading="Loading the audit trail"
          pageSize={PAGE}
          noun={["action", "actions"]}
          empty={
            <EmptyState title="Nothing yet">
              Sends, schedules, cancels, retractions and changes to admins and tokens show here.
            </EmptyState>
          }
        >
          {(rows) => (
            <DataTable
              label="Audit trail"
              rows={rows}
              rowKey={(e) => e.id}
              columns={[
                {
                  header: "When",
                  cell: (e) => <span className="whitespace-nowrap tabular-nums">{formatTime(e.at)}</span>,
                },
                { header: "Who", cell: (e) => <span className="break-all">{e.actor}</span> },
                { header: "What", cell: (e) => ACTION_LABEL[e.action] },
                {
                  header: "On",
                  cell: (e) =>
                    e.broadcastId ? (
                      <Link
                        className="font-mono text-xs text-indigo-700 hover:underline"
                        href={`/admin/broadcasts/${encodeURIComponent(e.broadcastId)}`}
                      >
                        {e.broadcastId}
                      </Link>
                    ) : (
                      <span className="break-all">{e.subject ?? ""}</span>
                    ),
                },
                { header: "Detail", className: "hidden sm:table-cell", cell: (e) => e.detail ?? "" },
              ]}
            />
          )}
        </CursorList>
      </Card>
    </>
  );
}
