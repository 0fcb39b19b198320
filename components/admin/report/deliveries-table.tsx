"use client";

import { useState } from "react";
import { DELIVERY_STATUSES, type DeliveryRecord, type DeliveryStatus } from "@/lib/schemas/broadcast";
import { deliveriesCsvUrl, fetchers, qk } from "../api";
import { SessionLink, sessionRows } from "../sessions/session-columns";
import { type Column, CursorList, DataTable, noMatchingId, useCursorList } from "../table";
import {
  buttonClass,
  Card,
  DeliveryBadge,
  EmptyState,
  formatTime,
  SearchInput,
  Segmented,
  useDebounced,
} from "../ui";

const PAGE = 50;
type StatusFilter = DeliveryStatus | "";

const FILTERS: { value: StatusFilter; label: string }[] = [
  { value: "", label: "All" },
  ...DELIVERY_STATUSES.map((s) => ({ value: s, label: s[0]!.toUpperCase() + s.slice(1) })),
];

const COLUMNS: Column<DeliveryRecord>[] = [
  {
    header: "Session",
    cellClassName: "max-w-[16rem]",
    cell: (d) => (
      <>
        <SessionLink id={d.sessionId} />
        {d.reason && <p className="mt-0.5 whitespace-normal text-xs text-rose-700 md:hidden">{d.reason}</p>}
      </>
    ),
  },
  { header: "Status", cell: (d) => <DeliveryBadge status={d.status} /> },
  {
    header: "List",
    className: "hidden sm:table-cell",
    cellClassName: "whitespace-nowrap text-xs text-slate-500",
    cell: (d) => (d.created ? "created" : d.status === "failed" ? "—" : "existed"),
  },
  {
    header: "Details",
    className: "hidden md:table-cell",
    cellClassName: "max-w-[20rem] text-xs",
    cell: (d) =>
      d.reason ? (
        <span className="text-rose-700">{d.reason}</span>
      ) : d.seenAt ? (
        <span className="text-slate-500">delivered {formatTime(d.deliveredAt)}</span>
      ) : (
        <span className="text-slate-400">—</span>
      ),
  },
  {
    header: "Updated",
    className: "hidden lg:table-cell",
    cellClassName: "whitespace-nowrap text-xs text-slate-500",
    cell: (d) => formatTime(d.seenAt ?? d.deliveredAt ?? d.at),
  },
];

const BY_SESSION = sessionRows((d: DeliveryRecord) => d.sessionId);

/** Per-session records, filtered and paginated in Redis (fast at any size), exportable as CSV. */
export function DeliveriesTable({ broadcastId, running }: { broadcastId: string; running: boolean }) {
  const [status, setStatus] = useState<StatusFilter>("");
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 300);
  const list = useCursorList({
    resetKey: `${status}|${q}`,
    pageSize: PAGE,
    query: (cursor) => ({
      queryKey: qk.deliveries(broadcastId, status, q, cursor),
      queryFn: () => fetchers.deliveries(broadcastId, { status, q, cursor, limit: PAGE }),
      refetchInterval: running ? 2000 : false,
    }),
    rows: (d) => d.deliveries,
  });

  return (
    <Card
      title="Sessions"
      description="One record per target session: stored, duplicate or failed, then delivered and seen."
      actions={
        <a
          href={deliveriesCsvUrl(broadcastId, { status, q })}
          download
          className={buttonClass("secondary", "sm")}
          data-testid="export-csv"
        >
          Export CSV
        </a>
      }
      bodyClassName="px-4 pb-4 pt-3 sm:px-5"
    >
      <div className="mb-3 flex flex-col gap-2 md:flex-row md:items-center md:justify-between">
        <Segmented label="Status" size="sm" value={status} onChange={setStatus} options={FILTERS} />
        <SearchInput value={text} onChange={setText} label="Search by session id" className="md:w-64" />
      </div>
      <CursorList
        list={list}
        loading="Loading sessions"
        loadingRows={5}
        empty={
          <EmptyState
            title={q || status ? "No matching sessions" : running ? "Nothing recorded yet" : "No sessions"}
          >
            {q
              ? noMatchingId(q, list.pager.page, status ? ` among ${status} records` : "")
              : status
                ? `No session is ${status}.`
                : running
                  ? "Records appear as the fan-out goes."
                  : "The target held no sessions."}
          </EmptyState>
        }
      >
        {(rows) => <DataTable label="Deliveries" columns={COLUMNS} rows={rows} {...BY_SESSION} />}
      </CursorList>
    </Card>
  );
}
