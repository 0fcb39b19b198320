"use client";

import { keepPreviousData, type QueryKey, useQuery } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { Button, cn, ErrorState, LoadingBlock, Spinner } from "./ui";

// The console's lists: one table markup, one set of loading/error/empty states, one pager.

const th =
  "whitespace-nowrap px-4 py-2 text-xs font-medium uppercase tracking-wide text-slate-500 first:pl-4 sm:first:pl-5 last:pr-4 sm:last:pr-5";
export const td = "px-4 py-2.5 align-middle first:pl-4 sm:first:pl-5 last:pr-4 sm:last:pr-5";

export type Column<T> = {
  /** The header text, also the column's key. */
  header: string;
  /** The header is for screen readers only (an actions column). */
  srOnly?: boolean;
  /** Classes on the header and on every cell: alignment, hiding on small screens. */
  className?: string;
  /** Classes on the cells only. */
  cellClassName?: string | ((row: T) => string);
  cell: (row: T) => ReactNode;
};

/**
 * A table that bleeds to the card's edges and scrolls sideways on its own. Falsy columns
 * are skipped (optional ones); `children` are extra rows after the mapped ones.
 */
export function DataTable<T>({
  label,
  columns,
  rows,
  rowKey,
  rowClassName,
  rowData,
  children,
}: {
  label: string;
  columns: (Column<T> | false | undefined)[];
  rows: T[];
  rowKey: (row: T) => string;
  rowClassName?: string;
  rowData?: (row: T) => Record<`data-${string}`, string>;
  children?: ReactNode;
}) {
  const cols = columns.filter((c): c is Column<T> => !!c);
  return (
    <div className="-mx-4 overflow-x-auto sm:-mx-5">
      <table className="min-w-full text-left text-sm" aria-label={label}>
        <thead className="border-b border-slate-100">
          <tr>
            {cols.map((c) => (
              <th key={c.header} scope="col" className={cn(th, c.className)}>
                {c.srOnly ? <span className="sr-only">{c.header}</span> : c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row) => (
            <tr key={rowKey(row)} className={rowClassName} {...rowData?.(row)}>
              {cols.map((c) => (
                <td
                  key={c.header}
                  className={cn(
                    td,
                    c.className,
                    typeof c.cellClassName === "function" ? c.cellClassName(row) : c.cellClassName,
                  )}
                >
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
          {children}
        </tbody>
      </table>
    </div>
  );
}

type QueryLike = { isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown };

/**
 * What a list shows for its query: skeleton rows while loading, the error with a retry,
 * `empty` when there are no rows (if given), else `children` with the rows.
 */
export function QueryStates<T>({
  query,
  rows,
  loading,
  loadingRows,
  empty,
  children,
}: {
  query: QueryLike;
  rows: T[] | undefined;
  loading: string;
  loadingRows?: number;
  empty?: ReactNode;
  children: (rows: T[]) => ReactNode;
}) {
  if (query.isPending) return <LoadingBlock label={loading} rows={loadingRows} />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => query.refetch()} />;
  if (rows === undefined) return <LoadingBlock label={loading} rows={loadingRows} />;
  if (empty !== undefined && rows.length === 0) return empty;
  return children(rows);
}

type PagerPos = { cursor: string; offset: number };

/**
 * Previous/next over server cursors. A SCAN page cannot be split on the server, so one may
 * hold more rows than asked for: it is shown `pageSize` rows at a time before the next
 * cursor is requested. `stack` holds the positions before this one, so going back
 * re-requests a page the server already described.
 */
export function useCursorPager(resetKey: string, pageSize: number) {
  const start: PagerPos = { cursor: "0", offset: 0 };
  const [state, setState] = useState<{ key: string; stack: PagerPos[]; pos: PagerPos }>({
    key: resetKey,
    stack: [],
    pos: start,
  });
  const { stack, pos } = state.key === resetKey ? state : { stack: [], pos: start };
  return {
    cursor: pos.cursor,
    page: stack.length + 1,
    hasPrev: stack.length > 0,
    prev: () => setState({ key: resetKey, stack: stack.slice(0, -1), pos: stack.at(-1) ?? start }),
    /** The rows of the server page to show now, and how to go on from them. */
    slice<T>(items: T[], nextCursor: string | null) {
      // A short remainder joins this page rather than making a page of its own.
      const end =
        items.length - (pos.offset + pageSize) < pageSize / 2 ? items.length : pos.offset + pageSize;
      const more = end < items.length;
      return {
        rows: items.slice(pos.offset, end),
        hasNext: more || nextCursor !== null,
        next: () =>
          setState({
            key: resetKey,
            stack: [...stack, pos],
            pos: more
              ? { cursor: pos.cursor, offset: pos.offset + pageSize }
              : { cursor: nextCursor ?? "0", offset: 0 },
          }),
      };
    },
  };
}

/**
 * A cursor-paginated query: the pager, the query for its current cursor (the last page
 * stays on screen while the next loads) and the rows to show now.
 */
export function useCursorList<D extends { nextCursor: string | null }, T>({
  resetKey,
  pageSize,
  query,
  rows,
}: {
  /** Going back to page 1 whenever this changes (filters, search). */
  resetKey: string;
  pageSize: number;
  query: (cursor: string) => {
    queryKey: QueryKey;
    queryFn: () => Promise<D>;
    refetchInterval?: number | false;
  };
  rows: (data: D) => T[];
}) {
  const pager = useCursorPager(resetKey, pageSize);
  const q = useQuery({ ...query(pager.cursor), placeholderData: keepPreviousData });
  const view = q.data ? pager.slice(rows(q.data), q.data.nextCursor) : null;
  return { query: q, pager, view };
}

export type CursorListState<T> = {
  query: QueryLike & { isFetching: boolean };
  pager: ReturnType<typeof useCursorPager>;
  view: { rows: T[]; hasNext: boolean; next: () => void } | null;
};

/** A cursor list's states, its rows (`children`) and the pager under them. */
export function CursorList<T>({
  list: { query, pager, view },
  loading,
  loadingRows,
  empty,
  children,
}: {
  list: CursorListState<T>;
  loading: string;
  loadingRows?: number;
  empty: ReactNode;
  children: (rows: T[]) => ReactNode;
}) {
  return (
    <QueryStates query={query} rows={view?.rows} loading={loading} loadingRows={loadingRows} empty={empty}>
      {(rows) => (
        <>
          {children(rows)}
          <Pager
            page={pager.page}
            hasPrev={pager.hasPrev}
            hasNext={view!.hasNext}
            onPrev={pager.prev}
            onNext={view!.next}
            busy={query.isFetching}
          />
        </>
      )}
    </QueryStates>
  );
}

/** The empty-state text of a search by session id that matched nothing. */
export function noMatchingId(q: string, page: number, among = ""): string {
  return `No session id contains “${q}”${among}${page > 1 ? " on the remaining pages" : ""}.`;
}

export function Pager({
  page,
  hasPrev,
  hasNext,
  onPrev,
  onNext,
  busy,
  summary,
}: {
  page: number;
  hasPrev: boolean;
  hasNext: boolean;
  onPrev: () => void;
  onNext: () => void;
  busy?: boolean;
  summary?: ReactNode;
}) {
  return (
    <nav aria-label="Pagination" className="flex items-center justify-between gap-3 pt-3">
      <p className="flex items-center gap-2 text-xs text-slate-500">
        Page {page}
        {summary && <span>· {summary}</span>}
        {busy && <Spinner className="size-3 text-slate-400" label="Loading page" />}
      </p>
      <div className="flex gap-2">
        <Button variant="secondary" size="sm" onClick={onPrev} disabled={!hasPrev}>
          Previous
        </Button>
        <Button variant="secondary" size="sm" onClick={onNext} disabled={!hasNext}>
          Next
        </Button>
      </div>
    </nav>
  );
}
