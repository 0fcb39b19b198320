"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { Target } from "@/lib/schemas/broadcast";
import type { PreviewResult, SessionInfo } from "@/lib/schemas/session";
import { fetchers, previewQueryFn, previewStaleTime, qk } from "../api";
import { countingNote, fmt, fmtCount } from "../format";
import { useMemoryPosition } from "../list-state";
import { sessionColumns, sessionRows } from "../sessions/session-columns";
import { CursorList, DataTable, noMatchingId, Pager, QueryStates, td, useCursorList } from "../table";
import {
  Badge,
  Button,
  Card,
  EmptyState,
  ErrorState,
  SearchInput,
  Segmented,
  Skeleton,
  useDebounced,
} from "../ui";

const PAGE = 10;

// What happens to chosen ids that match no session, said the same way here and in the confirmation.
const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
export function missingSessionsNote(n: number): string {
  return `${fmt(n)} chosen ${plural(n, "id matches", "ids match")} no session: ${plural(n, "it gets", "they get")} nothing and ${plural(n, "is", "are")} recorded as failed.`;
}
export function nothingToSend(targetType: Target["type"]): string {
  return targetType === "sessions"
    ? "None of the chosen ids is a session, so there is nothing to send."
    : "No session matches this target, so there is nothing to send.";
}

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
    queryFn: previewQueryFn(target ?? { type: "all" }),
    enabled: target !== null,
    placeholderData: keepPreviousData,
    staleTime: previewStaleTime(15_000),
  });
  const c = target ? counts.data : undefined;
  const estimated = c?.counting !== undefined;
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
          <span className="text-xs text-slate-600" data-testid="preview-counting">
            {c?.counting ? countingNote(c.counting.walked) : counts.data ? "Updating…" : "Counting sessions…"}
          </span>
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
                  fmtCount(it.value, estimated && it.id !== "preview-online")
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
          <ScannedTable online={target.type === "online"} counts={c} />
        )}
      </div>
    </Card>
  );
}

const COLUMNS = sessionColumns({ idWidth: "max-w-[16rem]" });
const BY_ID = sessionRows((s: SessionInfo) => s.id);

function RemoveButton({ id, onRemove }: { id: string; onRemove: (id: string) => void }) {
  return (
    <Button variant="ghost" size="sm" onClick={() => onRemove(id)} aria-label={`Remove ${id}`}>
      Remove
    </Button>
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
    <DataTable
      label="Target sessions"
      columns={[
        ...COLUMNS,
        onRemove && {
          header: "Actions",
          srOnly: true,
          cellClassName: "text-right",
          cell: (s: SessionInfo) => <RemoveButton id={s.id} onRemove={onRemove} />,
        },
      ]}
      rows={rows}
      {...BY_ID}
    >
      {missing.map((id) => (
        <tr key={`missing:${id}`} data-session-id={id}>
          <td className={`${td} max-w-[16rem] truncate font-mono text-xs text-slate-500`} title={id}>
            {id}
          </td>
          <td className={td} colSpan={2}>
            <Badge tone="rose">no such session</Badge>
            <span className="ml-2 text-xs text-slate-600">gets nothing; recorded as failed</span>
          </td>
          {onRemove && (
            <td className={`${td} text-right`}>
              <RemoveButton id={id} onRemove={onRemove} />
            </td>
          )}
        </tr>
      ))}
    </DataTable>
  );
}

type ScanFilter = "all" | "empty" | "nonempty";

/** All or online sessions: GET /api/sessions pages (SCAN cursors), searchable. */
function ScannedTable({ online, counts }: { online: boolean; counts?: PreviewResult }) {
  const [filter, setFilter] = useState<ScanFilter>("all");
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 300);
  const apiFilter = online ? "online" : filter;
  const list = useCursorList({
    list: `target|${apiFilter}|${q}`,
    position: useMemoryPosition(`${apiFilter}|${q}`),
    query: (cursor) => ({
      queryKey: qk.sessions(apiFilter, q, cursor, PAGE),
      queryFn: () => fetchers.sessions({ filter: apiFilter, q, cursor, limit: PAGE }),
    }),
    rows: (d) => d.sessions,
  });
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
      <CursorList
        list={list}
        loading="Loading sessions"
        loadingRows={4}
        pageSize={PAGE}
        total={
          // An estimate is no page count: none is shown until the count is exact.
          q || !counts || counts.counting
            ? undefined
            : {
                all: counts.total,
                empty: counts.empty,
                nonempty: counts.withMessages,
                online: counts.online,
              }[apiFilter]
        }
        noun={["session", "sessions"]}
        empty={
          <EmptyState title={q ? "No matching sessions" : online ? "Nobody is online" : "No sessions here"}>
            {q
              ? noMatchingId(q, list.pager.page)
              : online
                ? "Sessions count as online while the chat page is open."
                : "Sessions appear when someone opens the chat page."}
          </EmptyState>
        }
      >
        {(rows) => <SessionRows rows={rows} />}
      </CursorList>
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
  const byId = new Map(page.data?.sample.map((s) => [s.id, s]));
  const rows = pageIds.map((id) => byId.get(id)).filter((s): s is SessionInfo => s !== undefined);
  const missing = page.isPlaceholderData ? [] : pageIds.filter((id) => !byId.has(id));
  return (
    <QueryStates
      query={page}
      rows={rows}
      loading="Loading sessions"
      loadingRows={Math.min(4, pageIds.length)}
    >
      {(found) => (
        <>
          <SessionRows rows={found} missing={missing} onRemove={onRemove} />
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
      )}
    </QueryStates>
  );
}
