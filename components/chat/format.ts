"use client";

import { useSyncExternalStore } from "react";

/**
 * Times and dates are shown in the reader's time zone, which the server does not know: they
 * render only after hydration (the server's HTML leaves them out instead of guessing wrong).
 */
const noop = () => () => {};
export const useHydrated = () =>
  useSyncExternalStore(
    noop,
    () => true,
    () => false,
  );

const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayThisYear = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });
const dayOtherYear = new Intl.DateTimeFormat(undefined, { month: "long", day: "numeric", year: "numeric" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

function parse(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatTime(iso: string): string {
  const d = parse(iso);
  return d ? time.format(d) : "";
}

export function formatFull(iso: string): string {
  const d = parse(iso);
  return d ? full.format(d) : "";
}

/** A local calendar day, for grouping ("" when the date cannot be read). */
export function dayKey(iso: string): string {
  const d = parse(iso);
  return d ? `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}` : "";
}

export function formatDay(iso: string, now = new Date()): string {
  const d = parse(iso);
  if (!d) return "";
  const startOf = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const days = Math.round((startOf(now) - startOf(d)) / 86_400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  return d.getFullYear() === now.getFullYear() ? dayThisYear.format(d) : dayOtherYear.format(d);
}
