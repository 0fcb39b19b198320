"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { Target } from "@/lib/schemas/broadcast";
import type { SessionInfo } from "@/lib/schemas/session";
import { fetchers, qk } from "../api";
import {
  Badge,
  Button,
  Card,
  EmptyState,
  ErrorState,
  fmt,
  formatTtl,
  LoadingBlock,
  Pager,
  SearchInput,
  Segmented,
  SessionStateBadges,
  Skeleton,
  Table,
  td,
  th,
  useCursorPager,
  useDebounced,
} from "../ui";

const PAGE = 10;

/** Counts of the whole target, then a paginated table of its sessions. */
export function TargetPreview({
  target,
  onRemove,
}: {
  target: Target | null;
  onRemove: (id: string) => void;
}) {
  const counts = useQuery({
    queryKey: target ? qk.preview(target) : ["preview", "none"],
    queryFn: () => fetchers.preview(target!),
    enabled: target !== null,
    placeholderData: keepPreviousData,
    staleTime: 15_000,
  });
  const c = target ? counts.data : undefined;
  const items = [
    { label: "Sessions", value: c?.total, id: "preview-total" },
    { label: "Empty", value: c?.empty, id: "preview-empty" },
    { label: "With history", value: c?.withMessages, id: "preview-with-history" },
    { label: "Online now", value: c?.online, id: "preview-online" },
  ];
  return (
    <Card
      title="Target preview"
      description="Who this broadcast reaches right now. Empty sessions get their message list created."
      actions={
        counts.isFetching && target ? (
          <span className="text-xs text-slate-400">{counts.data ? "Updating…" : "Counting sessions…"}</span>
        ) : undefined
      }
      id="target-preview"
    >
      {counts.isError && target ? (
        <ErrorState
          error={counts.error}
          onRetry={() => counts.refetch()}
          title="Could not preview the target"
        />
      ) : (
        <dl className="grid grid-cols-2 gap-2 sm:grid-cols-4">
          {items.map((it) => (
            <div
              key={it.label}
              className="rounded-lg bg-slate-50 px-3 py-2 ring-1 ring-inset ring-slate-200/70"
            >
              <dt className="text-xs text-slate-500">{it.label}</dt>
              <dd className="mt-0.5 text-lg font-semibold tabular-nums text-slate-900" data-testid={it.id}>
                {target === null ? (
                  "0"
                ) : it.value === undefined ? (
                  <Skeleton className="mt-1 h-5 w-10" />
                ) : (
                  fmt(it.value)
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
      <div className="mt-5">
        {target === null ? (
          <EmptyState title="No sessions chosen">
            Search for sessions above, or choose all or online sessions.
          </EmptyState>
        ) : target.type === "sessions" ? (
          <ChosenTable ids={target.ids} onRemove={onRemove} />
        ) : (
          <ScannedTable online={target.type === "online"} />
        )}
      </div>
    </Card>
  );
}

function SessionRows({
  rows,
  missing = [],
  onRemove,
}: {
  rows: SessionInfo[];
  missing?: string[];
  onRemove?: (id: string) => void;
}) {
  return (
    <Table label="Target sessions">
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
          {onRemove && (
            <th scope="col" className={th}>
              <span className="sr-only">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((s) => (
          <tr key={s.id} data-session-id={s.id}>
            <td className={`${td} max-w-[16rem]`}>
              <Link
                href={`/admin/sessions/${encodeURIComponent(s.id)}`}
                className="block truncate font-mono text-xs text-slate-800 hover:text-indigo-700"
                title={s.id}
              >
                {s.id}
              </Link>
            </td>
            <td className={td}>
              <SessionStateBadges {...s} />
            </td>
            <td className={`${td} hidden whitespace-nowrap text-xs text-slate-500 sm:table-cell`}>
              {formatTtl(s.ttlSeconds)}
            </td>
            {onRemove && (
              <td className={`${td} text-right`}>
                <Button
                  variant="ghost"
                  size="sm"
                  onClick={() => onRemove(s.id)}
                  aria-label={`Remove ${s.id}`}
                >
                  Remove
                </Button>
              </td>
            )}
          </tr>
        ))}
        {missing.map((id) => (
          <tr key={`missing:${id}`} data-session-id={id}>
            <td className={`${td} max-w-[16rem] truncate font-mono text-xs text-slate-500`} title={id}>
              {id}
            </td>
            <td className={td} colSpan={2}>
              <Badge tone="rose">not found</Badge>
              <span className="ml-2 text-xs text-slate-500">will be reported as failed</span>
            </td>
            {onRemove && (
              <td className={`${td} text-right`}>
                <Button variant="ghost" size="sm" onClick={() => onRemove(id)} aria-label={`Remove ${id}`}>
                  Remove
                </Button>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

type ScanFilter = "all" | "empty" | "nonempty";

/** All or online sessions: GET /api/sessions pages (SCAN cursors), searchable. */
function ScannedTable({ online }: { online: boolean }) {
  const [filter, setFilter] = useState<ScanFilter>("all");
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 300);
  const apiFilter = online ? "online" : filter;
  const pager = useCursorPager(`${apiFilter}|${q}`, PAGE);
  const page = useQuery({
    queryKey: qk.sessions(apiFilter, q, pager.cursor, PAGE),
    queryFn: () => fetchers.sessions({ filter: apiFilter, q, cursor: pager.cursor, limit: PAGE }),
    placeholderData: keepPreviousData,
  });
  const view = page.data ? pager.slice(page.data.sessions, page.data.nextCursor) : null;
  return (
    <div>
      <div className="mb-3 flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
        {!online ? (
          <Segmented
            label="Show"
            size="sm"
            value={filter}
            onChange={setFilter}
            options={[
              { value: "all", label: "All" },
              { value: "empty", label: "Empty" },
              { value: "nonempty", label: "With history" },
            ]}
          />
        ) : (
          <p className="text-xs text-slate-500">Sessions with the chat page open right now.</p>
        )}
        <SearchInput
          value={text}
          onChange={setText}
          label="Search target sessions"
          placeholder="Search by id"
          className="sm:w-64"
        />
      </div>
      {page.isPending ? (
        <LoadingBlock label="Loading sessions" rows={4} />
      ) : page.isError ? (
        <ErrorState error={page.error} onRetry={() => page.refetch()} />
      ) : view!.rows.length === 0 ? (
        <EmptyState title={q ? "No matching sessions" : online ? "Nobody is online" : "No sessions here"}>
          {q
            ? `No session id contains “${q}”${pager.page > 1 ? " on the remaining pages" : ""}.`
            : online
              ? "Sessions count as online while the chat page is open."
              : "Sessions appear when someone opens the chat page."}
        </EmptyState>
      ) : (
        <>
          <SessionRows rows={view!.rows} />
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
    </div>
  );
}

/** Chosen sessions: paged in the browser, each page described fresh by the preview endpoint. */
function ChosenTable({ ids, onRemove }: { ids: string[]; onRemove: (id: string) => void }) {
  const [pageIndex, setPageIndex] = useState(0);
  const pages = Math.max(1, Math.ceil(ids.length / PAGE));
  const current = Math.min(pageIndex, pages - 1);
  const pageIds = ids.slice(current * PAGE, current * PAGE + PAGE);
  const target: Target = { type: "sessions", ids: pageIds };
  const page = useQuery({
    queryKey: qk.preview(target),
    queryFn: () => fetchers.preview(target),
    placeholderData: keepPreviousData,
  });
  if (page.isPending) return <LoadingBlock label="Loading sessions" rows={Math.min(4, pageIds.length)} />;
  if (page.isError) return <ErrorState error={page.error} onRetry={() => page.refetch()} />;
  const byId = new Map(page.data.sample.map((s) => [s.id, s]));
  const rows = pageIds.map((id) => byId.get(id)).filter((s): s is SessionInfo => s !== undefined);
  const missing = page.isPlaceholderData ? [] : pageIds.filter((id) => !byId.has(id));
  return (
    <>
      <SessionRows rows={rows} missing={missing} onRemove={onRemove} />
      <Pager
        page={current + 1}
        summary={`${fmt(ids.length)} chosen`}
        hasPrev={current > 0}
        hasNext={current < pages - 1}
        onPrev={() => setPageIndex(current - 1)}
        onNext={() => setPageIndex(current + 1)}
        busy={page.isFetching}
      />
    </>
  );
}
