"use client";

import {
  type Broadcast,
  DELIVERY_STATUSES,
  type DeliveryRecord,
  type DeliveryStatus,
} from "@/lib/schemas/broadcast";
import { deliveriesCsvUrl, fetchers, qk } from "../api";
import { formatTime } from "../format";
import { useQueryChoice, useQuerySearch, useUrlPosition } from "../list-state";
import { SessionLink, sessionRows } from "../sessions/session-columns";
import { type Column, CursorList, DataTable, noMatchingId, useCursorList } from "../table";
import { buttonClass, Card, DeliveryBadge, EmptyState, SearchInput, Segmented } from "../ui";

const PAGE = 50;
type StatusFilter = DeliveryStatus | "all";
const FILTER_VALUES: readonly StatusFilter[] = ["all", ...DELIVERY_STATUSES];

/** The broadcast's counters, one per filter: a filter lists what its counter counts. */
export type DeliveryCounts = Pick<
  Broadcast,
  "targeted" | "stored" | "duplicates" | "failed" | "delivered" | "seen"
>;
const FILTERS: { value: StatusFilter; label: string; count: (c: DeliveryCounts) => number }[] = [
  { value: "all", label: "All", count: (c) => c.targeted },
  { value: "stored", label: "Stored", count: (c) => c.stored },
  { value: "duplicate", label: "Duplicates", count: (c) => c.duplicates },
  { value: "failed", label: "Failed", count: (c) => c.failed },
  { value: "delivered", label: "Delivered", count: (c) => c.delivered },
  { value: "seen", label: "Seen", count: (c) => c.seen },
];

/** What an empty filter says, in words. */
const NONE: Record<DeliveryStatus, string> = {
  stored: "No copy was stored.",
  duplicate: "No session had it already.",
  failed: "No session failed.",
  delivered: "Not delivered yet: a copy is delivered when an open chat page receives it.",
  seen: "Nobody has seen it yet: a copy is seen when the chat page shows it on screen.",
};

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
        <span className="text-slate-500">—</span>
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

/**
 * Per-session records, filtered and paginated in Redis (fast at any size), exportable as CSV.
 * Filter, search and page live in the URL.
 */
export function DeliveriesTable({
  broadcastId,
  running,
  counts,
}: {
  broadcastId: string;
  running: boolean;
  counts: DeliveryCounts;
}) {
  const [filter, setFilter] = useQueryChoice<StatusFilter>("status", FILTER_VALUES, "all");
  const status = filter === "all" ? "" : filter;
  const search = useQuerySearch();
  const q = search.q;
  const list = useCursorList({
    list: `deliveries|${broadcastId}|${status}|${q}`,
    position: useUrlPosition(),
    query: (cursor) => ({
      queryKey: qk.deliveries(broadcastId, status, q, cursor),
      queryFn: () => fetchers.deliveries(broadcastId, { status, q, cursor, limit: PAGE }),
      refetchInterval: running ? 2000 : false,
    }),
    rows: (d) => d.deliveries,
  });
  const current = FILTERS.find((f) => f.value === filter)!;

  return (
    <Card
      title="Sessions"
      description="One record per target session: stored, duplicate or failed, then delivered and seen. Each filter lists what its counter above counts."
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
      <div className="mb-3 flex flex-col gap-2 xl:flex-row xl:items-center xl:justify-between">
        <Segmented
          label="Status"
          size="sm"
          value={filter}
          onChange={setFilter}
          options={FILTERS.map((f) => ({ value: f.value, label: f.label, count: f.count(counts) }))}
        />
        <SearchInput
          value={search.text}
          onChange={search.setText}
          label="Search by session id"
          className="xl:w-64"
        />
      </div>
      <CursorList
        list={list}
        loading="Loading sessions"
        loadingRows={5}
        pageSize={PAGE}
        total={q ? undefined : current.count(counts)}
        noun={["session", "sessions"]}
        empty={
          <EmptyState
            title={q || status ? "No matching sessions" : running ? "Nothing recorded yet" : "No sessions"}
          >
            {q
              ? noMatchingId(
                  q,
                  list.pager.page,
                  status ? ` among the ${current.label.toLowerCase()} records` : "",
                )
              : status
                ? NONE[status]
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
