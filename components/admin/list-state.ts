"use client";

import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { useDebounced } from "./ui";

// Where a list stands (page, filter, search): in the URL for the console's pages, so a reload,
// Back and a shared link keep it; in memory for lists inside a form (compose's target preview).

/** A page of a cursor-paginated list: its number and the server cursor that starts it. */
export interface PagePosition {
  page: number;
  cursor: string;
}
export const FIRST_PAGE: PagePosition = { page: 1, cursor: "0" };

type Changes = Record<string, string | null>;

/**
 * The page's query string as state. Writes go through history.pushState / replaceState, which
 * Next keeps in step with useSearchParams (no server round trip); null or "" removes a key.
 */
export function useQueryState() {
  const params = useSearchParams();
  const set = useCallback((changes: Changes, mode: "push" | "replace" = "push") => {
    const next = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    const qs = next.toString();
    const url = `${window.location.pathname}${qs ? `?${qs}` : ""}`;
    if (url === window.location.pathname + window.location.search) return;
    window.history[mode === "push" ? "pushState" : "replaceState"](null, "", url);
  }, []);
  return [params, set] as const;
}

/**
 * One query parameter restricted to known values (anything else reads as the default). The
 * choice shows at once; the URL follows (Next applies a pushState in a transition, and a
 * controlled radio would otherwise snap back until it lands).
 */
export function useQueryChoice<T extends string>(name: string, values: readonly T[], fallback: T) {
  const [params, set] = useQueryState();
  const raw = params.get(name);
  const fromUrl = values.includes(raw as T) ? (raw as T) : fallback;
  const [value, setValue] = useState(fromUrl);
  useEffect(() => setValue(fromUrl), [fromUrl]);
  // A new filter starts again at page 1.
  const change = useCallback(
    (v: T) => {
      setValue(v);
      set({ [name]: v === fallback ? null : v, page: null, cursor: null });
    },
    [set, name, fallback],
  );
  return [value, change] as const;
}

/**
 * A search box backed by `?q=`: the box follows what is typed at once, the URL (and the query)
 * after a pause; Back or a link that changes `q` updates the box.
 */
export function useQuerySearch(name = "q") {
  const [params, set] = useQueryState();
  const q = params.get(name) ?? "";
  const [text, setText] = useState(q);
  const debounced = useDebounced(text.trim(), 300);
  const written = useRef(q);
  useEffect(() => {
    if (debounced === written.current) return;
    written.current = debounced;
    set({ [name]: debounced, page: null, cursor: null }, "replace");
  }, [debounced, set, name]);
  useEffect(() => {
    if (q === written.current) return;
    written.current = q;
    setText(q);
  }, [q]);
  return { text, setText, q };
}

/** The page position in `?page=&cursor=`; moving pushes a history entry (Back returns to it). */
export function useUrlPosition(): [PagePosition, (p: PagePosition) => void] {
  const [params, set] = useQueryState();
  const page = Math.max(1, Math.floor(Number(params.get("page"))) || 1);
  const pos = page > 1 ? { page, cursor: params.get("cursor") ?? "0" } : FIRST_PAGE;
  const go = useCallback(
    (p: PagePosition) =>
      set({ page: p.page > 1 ? String(p.page) : null, cursor: p.page > 1 ? p.cursor : null }),
    [set],
  );
  return [pos, go];
}

/** The page position in memory, back to page 1 whenever `resetKey` changes (a filter, a search). */
export function useMemoryPosition(resetKey: string): [PagePosition, (p: PagePosition) => void] {
  const [state, setState] = useState({ key: resetKey, pos: FIRST_PAGE });
  const pos = state.key === resetKey ? state.pos : FIRST_PAGE;
  const go = useCallback((p: PagePosition) => setState({ key: resetKey, pos: p }), [resetKey]);
  return [pos, go];
}

/**
 * "Previous" for server cursors, which only go forward: each page remembers the one before it
 * (sessionStorage, so it survives a reload). A shared link deep into a list has no such memory:
 * it offers the first page instead.
 */
const memory = new Map<string, PagePosition>();
const prevKey = (list: string, cursor: string) => `herald:prev:${list}:${cursor}`;

function rememberPrev(list: string, cursor: string, prev: PagePosition): void {
  memory.set(prevKey(list, cursor), prev);
  try {
    sessionStorage.setItem(prevKey(list, cursor), JSON.stringify(prev));
  } catch {
    // storage full or refused: this tab's memory still has it
  }
}

function recallPrev(list: string, pos: PagePosition): PagePosition | null {
  if (pos.page === 2) return FIRST_PAGE;
  const key = prevKey(list, pos.cursor);
  const known = memory.get(key);
  if (known) return known;
  try {
    const raw = sessionStorage.getItem(key);
    const p = raw ? (JSON.parse(raw) as PagePosition) : null;
    return p && p.page === pos.page - 1 && typeof p.cursor === "string" ? p : null;
  } catch {
    return null;
  }
}

export function usePager(list: string, [pos, go]: [PagePosition, (p: PagePosition) => void]) {
  const back = pos.page > 1 ? recallPrev(list, pos) : null;
  return {
    page: pos.page,
    cursor: pos.cursor,
    hasPrev: pos.page > 1,
    prevLabel: back || pos.page === 1 ? "Previous" : "First page",
    prev: () => go(back ?? FIRST_PAGE),
    next: (nextCursor: string) => {
      rememberPrev(list, nextCursor, pos);
      go({ page: pos.page + 1, cursor: nextCursor });
    },
  };
}
export type PagerState = ReturnType<typeof usePager>;
