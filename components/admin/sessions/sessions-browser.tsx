"use client";

import { useQuery } from "@tanstack/react-query";
import { SESSION_FILTERS, type SessionFilter, type SessionInfo } from "@/lib/schemas/session";
import { fetchers, qk, statsQuery } from "../api";
import { useQueryChoice, useQuerySearch, useUrlPosition } from "../list-state";
import { CursorList, DataTable, noMatchingId, useCursorList } from "../table";
import { Card, EmptyState, PageHeader, SearchInput, Segmented } from "../ui";
import { sessionColumns, sessionRows } from "./session-columns";

const PAGE = 25;
const COLUMNS = sessionColumns({ stretch: true, idWidth: "max-w-[20rem]" });
const BY_ID = sessionRows((s: SessionInfo) => s.id);

/** Every session, filtered and searched; filter, search and page live in the URL. */
export function SessionsBrowser() {
  const [filter, setFilter] = useQueryChoice<SessionFilter>("filter", SESSION_FILTERS, "all");
  const search = useQuerySearch();
  const q = search.q;
  const stats = useQuery(statsQuery);
  const list = useCursorList({
    list: `sessions|${filter}|${q}`,
    position: useUrlPosition(),
    query: (cursor) => ({
      queryKey: qk.sessions(filter, q, cursor, PAGE),
      queryFn: () => fetchers.sessions({ filter, q, cursor, limit: PAGE }),
    }),
    rows: (d) => d.sessions,
  });
  // An estimate (the count of a large keyspace still going on) is not shown as a count.
  const s = stats.data?.counting ? undefined : stats.data;
  const totals: Record<SessionFilter, number | undefined> = {
    all: s?.total,
    empty: s?.empty,
    nonempty: s?.withMessages,
    online: s?.online,
  };
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
              { value: "all", label: "All", count: totals.all },
              { value: "empty", label: "Empty", count: totals.empty },
              { value: "nonempty", label: "With history", count: totals.nonempty },
              { value: "online", label: "Online", count: totals.online },
            ]}
          />
          <SearchInput
            value={search.text}
            onChange={search.setText}
            label="Search sessions by id"
            className="md:w-72"
          />
        </div>
        <CursorList
          list={list}
          loading="Loading sessions"
          loadingRows={6}
          pageSize={PAGE}
          total={q ? undefined : totals[filter]}
          noun={["session", "sessions"]}
          empty={
            <EmptyState title={q ? "No matching sessions" : "No sessions here"}>
              {q
                ? noMatchingId(q, list.pager.page)
                : filter === "online"
                  ? "Sessions count as online while the chat page is open."
                  : "Sessions appear when someone opens the chat page, or when the chat app creates them."}
            </EmptyState>
          }
        >
          {(rows) => (
            <DataTable
              label="Sessions"
              columns={COLUMNS}
              rows={rows}
              rowClassName="relative hover:bg-slate-50"
              {...BY_ID}
            />
          )}
        </CursorList>
      </Card>
    </>
  );
}
