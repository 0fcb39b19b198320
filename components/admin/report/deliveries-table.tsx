"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { DELIVERY_STATUSES, type DeliveryStatus } from "@/lib/schemas/broadcast";
import { deliveriesCsvUrl, fetchers, qk } from "../api";
import {
  buttonClass,
  Card,
  DeliveryBadge,
  EmptyState,
  ErrorState,
  formatTime,
  LoadingBlock,
  Pager,
  SearchInput,
  Segmented,
  Table,
  td,
  th,
  useCursorPager,
  useDebounced,
} from "../ui";

const PAGE = 50;
type StatusFilter = DeliveryStatus | "";

const FILTERS: { value: StatusFilter; label: string }[] = [
  { value: "", label: "All" },
  ...DELIVERY_STATUSES.map((s) => ({ value: s, label: s[0]!.toUpperCase() + s.slice(1) })),
];

/** Per-session records, filtered and paginated in Redis (fast at any size), exportable as CSV. */
export function DeliveriesTable({ broadcastId, running }: { broadcastId: string; running: boolean }) {
  const [status, setStatus] = useState<StatusFilter>("");
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 300);
  const pager = useCursorPager(`${status}|${q}`, PAGE);
  const page = useQuery({
    queryKey: qk.deliveries(broadcastId, status, q, pager.cursor),
    queryFn: () => fetchers.deliveries(broadcastId, { status, q, cursor: pager.cursor, limit: PAGE }),
    placeholderData: keepPreviousData,
    refetchInterval: running ? 2000 : false,
  });
  const view = page.data ? pager.slice(page.data.deliveries, page.data.nextCursor) : null;

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
      {page.isPending ? (
        <LoadingBlock label="Loading sessions" rows={5} />
      ) : page.isError ? (
        <ErrorState error={page.error} onRetry={() => page.refetch()} />
      ) : view!.rows.length === 0 ? (
        <EmptyState
          title={q || status ? "No matching sessions" : running ? "Nothing recorded yet" : "No sessions"}
        >
          {q
            ? `No session id contains “${q}”${status ? ` among ${status} records` : ""}${pager.page > 1 ? " on the remaining pages" : ""}.`
            : status
              ? `No session is ${status}.`
              : running
                ? "Records appear as the fan-out goes."
                : "The target held no sessions."}
        </EmptyState>
      ) : (
        <>
          <Table label="Deliveries">
            <thead className="border-b border-slate-100">
              <tr>
                <th scope="col" className={th}>
                  Session
                </th>
                <th scope="col" className={th}>
                  Status
                </th>
                <th scope="col" className={`${th} hidden sm:table-cell`}>
                  List
                </th>
                <th scope="col" className={`${th} hidden md:table-cell`}>
                  Details
                </th>
                <th scope="col" className={`${th} hidden lg:table-cell`}>
                  Updated
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {view!.rows.map((d) => (
                <tr key={d.sessionId} data-session-id={d.sessionId}>
                  <td className={`${td} max-w-[16rem]`}>
                    <Link
                      href={`/admin/sessions/${encodeURIComponent(d.sessionId)}`}
                      className="block truncate font-mono text-xs text-slate-800 hover:text-indigo-700"
                      title={d.sessionId}
                    >
                      {d.sessionId}
                    </Link>
                    {d.reason && (
                      <p className="mt-0.5 whitespace-normal text-xs text-rose-700 md:hidden">{d.reason}</p>
                    )}
                  </td>
                  <td className={td}>
                    <DeliveryBadge status={d.status} />
                  </td>
                  <td className={`${td} hidden whitespace-nowrap text-xs text-slate-500 sm:table-cell`}>
                    {d.created ? "created" : d.status === "failed" ? "—" : "existed"}
                  </td>
                  <td className={`${td} hidden max-w-[20rem] text-xs md:table-cell`}>
                    {d.reason ? (
                      <span className="text-rose-700">{d.reason}</span>
                    ) : d.seenAt ? (
                      <span className="text-slate-500">delivered {formatTime(d.deliveredAt)}</span>
                    ) : (
                      <span className="text-slate-400">—</span>
                    )}
                  </td>
                  <td className={`${td} hidden whitespace-nowrap text-xs text-slate-500 lg:table-cell`}>
                    {formatTime(d.seenAt ?? d.deliveredAt ?? d.at)}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
          <Pager
            page={pager.page}
            hasPrev={pager.hasPrev}
            hasNext={view!.hasNext}
            onPrev={pager.prev}
            onNext={view!.next}
            busy={page.isFetching}
          />
        </>
      )}
    </Card>
  );
}
