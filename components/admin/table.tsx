"use client";

import { keepPreviousData, type QueryKey, useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { fmt } from "./format";
import { type PagePosition, type PagerState, usePager } from "./list-state";
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

/**
 * A cursor-paginated query at a page position (see list-state.ts: in the URL or in memory):
 * the pager, the query for the page's cursor (the last page stays on screen while the next
 * loads) and its rows. The server answers exactly `pageSize` rows per page.
 */
export function useCursorList<D extends { nextCursor: string | null }, T>({
  list,
  position,
  query,
  rows,
}: {
  /** Names the list and its filters, for the pager's memory of previous pages. */
  list: string;
  position: [PagePosition, (p: PagePosition) => void];
  query: (cursor: string) => {
    queryKey: QueryKey;
    queryFn: () => Promise<D>;
    refetchInterval?: number | false;
  };
  rows: (data: D) => T[];
}) {
  const pager = usePager(list, position);
  const q = useQuery({ ...query(pager.cursor), placeholderData: keepPreviousData });
  const nextCursor = q.data?.nextCursor ?? null;
  const view = q.data
    ? {
        rows: rows(q.data),
        hasNext: nextCursor !== null,
        next: () => nextCursor !== null && pager.next(nextCursor),
      }
    : null;
  return { query: q, pager, view };
}

export type CursorListState<T> = {
  query: QueryLike & { isFetching: boolean };
  pager: PagerState;
  view: { rows: T[]; hasNext: boolean; next: () => void } | null;
};

/** A cursor list's states, its rows (`children`) and the pager under them, with the total when known. */
export function CursorList<T>({
  list: { query, pager, view },
  loading,
  loadingRows,
  empty,
  total,
  pageSize,
  noun,
  children,
}: {
  list: CursorListState<T>;
  loading: string;
  loadingRows?: number;
  empty: ReactNode;
  /** How many rows the whole list holds, when known (not while searching). */
  total?: number;
  pageSize: number;
  /** What a row is, for "213 sessions". */
  noun: [singular: string, plural: string];
  children: (rows: T[]) => ReactNode;
}) {
  const pages = total !== undefined ? Math.max(1, Math.ceil(total / pageSize)) : undefined;
  return (
    <QueryStates query={query} rows={view?.rows} loading={loading} loadingRows={loadingRows} empty={empty}>
      {(rows) => (
        <>
          {children(rows)}
          <Pager
            page={pager.page}
            pages={pages}
            summary={total !== undefined ? `${fmt(total)} ${total === 1 ? noun[0] : noun[1]}` : undefined}
            hasPrev={pager.hasPrev}
            prevLabel={pager.prevLabel}
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
  pages,
  hasPrev,
  hasNext,
  onPrev,
  onNext,
  busy,
  summary,
  prevLabel = "Previous",
}: {
  page: number;
  /** The page count, when the total is known. */
  pages?: number;
  hasPrev: boolean;
  hasNext: boolean;
  onPrev: () => void;
  onNext: () => void;
  busy?: boolean;
  summary?: ReactNode;
  prevLabel?: string;
}) {
  return (
    <nav aria-label="Pagination" className="flex flex-wrap items-center justify-between gap-3 pt-3">
      <p className="flex items-center gap-2 text-xs text-slate-600" data-testid="pager-status">
        <span>
          Page {fmt(page)}
          {pages !== undefined && page <= pages && ` of ${fmt(pages)}`}
        </span>
        {summary && <span>· {summary}</span>}
        {busy && <Spinner className="size-3 text-slate-500" label="Loading page" />}
      </p>
      <div className="flex gap-2">
        <Button variant="secondary" size="sm" onClick={onPrev} disabled={!hasPrev}>
          {prevLabel}
        </Button>
        <Button variant="secondary" size="sm" onClick={onNext} disabled={!hasNext}>
          Next
        </Button>
      </div>
    </nav>
  );
}
