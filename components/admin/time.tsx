"use client";

import { useSyncExternalStore } from "react";
import { formatTime, relativeTime } from "./format";

// One clock for every relative time on the page ("3 min ago"), so they tick together.
const TICK_MS = 15_000;
let now = 0;
let timer: ReturnType<typeof setInterval> | undefined;
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  timer ??= setInterval(() => {
    now = Date.now();
    for (const l of listeners) l();
  }, TICK_MS);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

const snapshot = () => {
  if (now === 0) now = Date.now();
  return now;
};

/** The time, refreshed every few seconds; null during the server render (it cannot know the reader's clock). */
export function useNow(): number | null {
  const n = useSyncExternalStore(subscribe, snapshot, () => 0);
  return n === 0 ? null : n;
}

/** "3 min ago", kept current; the exact time on hover. */
export function RelativeTime({ iso }: { iso: string }) {
  const at = useNow();
  return (
    <time dateTime={iso} title={formatTime(iso)}>
      {at === null ? formatTime(iso) : relativeTime(iso, at)}
    </time>
  );
}
