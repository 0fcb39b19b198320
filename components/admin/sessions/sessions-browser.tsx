"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { SessionFilter, SessionInfo } from "@/lib/schemas/session";
import { fetchers, qk, statsQuery } from "../api";
import { CursorList, DataTable, noMatchingId, useCursorList } from "../table";
import { Card, EmptyState, PageHeader, SearchInput, Segmented, useDebounced } from "../ui";
import { sessionColumns, sessionRows } from "./session-columns";

const PAGE = 25;
const COLUMNS = sessionColumns({ stretch: true, idWidth: "max-w-[20rem]" });
const BY_ID = sessionRows((s: SessionInfo) => s.id);

export function SessionsBrowser() {
  const [filter, setFilter] = useState<SessionFilter>("all");
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 300);
  const stats = useQuery(statsQuery);
  const list = useCursorList({
    resetKey: `${filter}|${q}`,
    pageSize: PAGE,
    query: (cursor) => ({
      queryKey: qk.sessions(filter, q, cursor, PAGE),
      queryFn: () => fetchers.sessions({ filter, q, cursor, limit: PAGE }),
    }),
    rows: (d) => d.sessions,
  });
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
        <CursorList
          list={list}
          loading="Loading sessions"
          loadingRows={6}
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
