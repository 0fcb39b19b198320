"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { SessionFilter } from "@/lib/schemas/session";
import { fetchers, qk, statsQuery } from "../api";
import {
  Card,
  EmptyState,
  ErrorState,
  formatTtl,
  LoadingBlock,
  PageHeader,
  Pager,
  SearchInput,
  Segmented,
  SessionStateBadges,
  Table,
  td,
  th,
  useCursorPager,
  useDebounced,
} from "../ui";

const PAGE = 25;

export function SessionsBrowser() {
  const [filter, setFilter] = useState<SessionFilter>("all");
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 300);
  const pager = useCursorPager(`${filter}|${q}`, PAGE);
  const stats = useQuery(statsQuery);
  const page = useQuery({
    queryKey: qk.sessions(filter, q, pager.cursor, PAGE),
    queryFn: () => fetchers.sessions({ filter, q, cursor: pager.cursor, limit: PAGE }),
    placeholderData: keepPreviousData,
  });
  const view = page.data ? pager.slice(page.data.sessions, page.data.nextCursor) : null;
  const s = stats.data;
  return (
    <>
      <PageHeader
        title="Sessions"
        description="Every chat session in Redis, including the ones that never sent a message."
      />
      <Card bodyClassName="px-4 pb-4 pt-4 sm:px-5">
        <div className="mb-3 flex flex-col gap-2 md:flex-row md:items-center md:justify-between">
          <Segmented
            label="Filter sessions"
            value={filter}
            onChange={setFilter}
            options={[
              { value: "all", label: "All", count: s?.total },
              { value: "empty", label: "Empty", count: s?.empty },
              { value: "nonempty", label: "With history", count: s?.withMessages },
              { value: "online", label: "Online", count: s?.online },
            ]}
          />
          <SearchInput value={text} onChange={setText} label="Search sessions by id" className="md:w-72" />
        </div>
        {page.isPending ? (
          <LoadingBlock label="Loading sessions" rows={6} />
        ) : page.isError ? (
          <ErrorState error={page.error} onRetry={() => page.refetch()} />
        ) : view!.rows.length === 0 ? (
          <EmptyState title={q ? "No matching sessions" : "No sessions here"}>
            {q
              ? `No session id contains “${q}”${pager.page > 1 ? " on the remaining pages" : ""}.`
              : filter === "online"
                ? "Sessions count as online while the chat page is open."
                : "Sessions appear when someone opens the chat page, or when the chat app creates them."}
          </EmptyState>
        ) : (
          <>
            <Table label="Sessions">
              <thead className="border-b border-slate-100">
                <tr>
                  <th scope="col" className={th}>
                    Session
                  </th>
                  <th scope="col" className={th}>
                    State
                  </th>
                  <th scope="col" className={`${th} hidden sm:table-cell`}>
                    Expires in
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {view!.rows.map((x) => (
                  <tr key={x.id} className="relative hover:bg-slate-50" data-session-id={x.id}>
                    <td className={`${td} max-w-[20rem]`}>
                      <Link
                        href={`/admin/sessions/${encodeURIComponent(x.id)}`}
                        className="block truncate font-mono text-xs text-slate-800 after:absolute after:inset-0 hover:text-indigo-700"
                        title={x.id}
                      >
                        {x.id}
                      </Link>
                    </td>
                    <td className={td}>
                      <SessionStateBadges {...x} />
                    </td>
                    <td className={`${td} hidden whitespace-nowrap text-xs text-slate-500 sm:table-cell`}>
                      {formatTtl(x.ttlSeconds)}
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
    </>
  );
}
