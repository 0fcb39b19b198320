"use client";

import { Fragment, useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { dayKey, formatDay, useHydrated } from "./format";
import { ArrowDownIcon, ChatBubblesIcon } from "./icons";
import { BroadcastCard, PendingBubble, RawEntry, UserBubble } from "./message-item";
import { receiptId, type TimelineItem } from "./timeline";

/** Within this many pixels of the end counts as "at the bottom" (new messages then scroll in). */
const STICKY_PX = 96;

export function MessageList({
  items,
  loading,
  observe,
  highlighted,
  onRetry,
  onDiscard,
  onArrival,
}: {
  /** New entries arrived: told whether the reader was at the end (where they scroll into view). */
  onArrival?: (inView: boolean) => void;
  items: TimelineItem[];
  loading: boolean;
  observe: (id: string) => (el: HTMLElement | null) => void;
  highlighted: string | null;
  onRetry: (clientId: string, text: string) => void;
  onDiscard: (clientId: string) => void;
}) {
  const hydrated = useHydrated();
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const seenKeys = useRef<Set<string> | null>(null);
  const [unread, setUnread] = useState(0);

  const scrollToBottom = useCallback((smooth: boolean) => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTo({ top: el.scrollHeight, behavior: smooth ? "smooth" : "auto" });
    atBottom.current = true;
    setUnread(0);
  }, []);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICKY_PX;
    if (atBottom.current) setUnread(0);
  }, []);

  // New entries: follow them when the reader is at the end (or wrote them), else count them.
  useLayoutEffect(() => {
    const keys = new Set(items.map((i) => i.key));
    const before = seenKeys.current;
    seenKeys.current = keys;
    if (!before) return scrollToBottom(false);
    const added = items.filter((i) => !before.has(i.key));
    if (added.length === 0) return;
    onArrival?.(atBottom.current);
    const own = added.some((i) => i.kind === "pending");
    if (own || atBottom.current) scrollToBottom(true);
    else setUnread((n) => n + added.filter((i) => i.kind === "broadcast" || i.kind === "user").length);
  }, [items, scrollToBottom, onArrival]);

  // Times and day separators appear after hydration; stay pinned to the end through that.
  useLayoutEffect(() => {
    if (hydrated && atBottom.current) scrollToBottom(false);
  }, [hydrated, scrollToBottom]);

  // The phone keyboard (or a window resize) shrinks the list: keep the end in view.
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      if (atBottom.current) el.scrollTop = el.scrollHeight;
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  let lastDay = "";
  return (
    <div className="relative min-h-0 flex-1">
      <div
        ref={scroller}
        onScroll={onScroll}
        data-testid="message-list"
        role="log"
        aria-label="Messages"
        // Keyboard users scroll the history too (arrow keys, Page Up/Down) once it has focus.
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus (WCAG 2.1.1)
        tabIndex={0}
        className="h-full overflow-y-auto overscroll-contain [scrollbar-gutter:stable] focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-500"
      >
        <div className="mx-auto flex min-h-full max-w-3xl flex-col gap-3 px-3 pt-4 pb-6 sm:px-6">
          {loading ? <Skeleton /> : items.length === 0 ? <EmptyState /> : null}
          {items.map((item) => {
            const at =
              item.kind === "pending"
                ? item.pending.createdAt
                : item.kind === "raw"
                  ? ""
                  : item.message.createdAt;
            const day = hydrated && at ? dayKey(at) : "";
            const separator = day && day !== lastDay ? formatDay(at) : null;
            if (day) lastDay = day;
            return (
              <Fragment key={item.key}>
                {separator ? <DaySeparator label={separator} /> : null}
                {item.kind === "broadcast" ? (
                  <BroadcastCard
                    message={item.message}
                    level={item.level}
                    highlighted={highlighted === item.message.id}
                    observe={observe(receiptId(item.message))}
                  />
                ) : item.kind === "user" ? (
                  <UserBubble message={item.message} />
                ) : item.kind === "pending" ? (
                  <PendingBubble
                    pending={item.pending}
                    onRetry={() => onRetry(item.pending.clientId, item.pending.text)}
                    onDiscard={() => onDiscard(item.pending.clientId)}
                  />
                ) : (
                  <RawEntry raw={item.raw} />
                )}
              </Fragment>
            );
          })}
        </div>
      </div>
      {unread > 0 ? (
        <button
          type="button"
          onClick={() => scrollToBottom(true)}
          className="absolute bottom-4 left-1/2 flex -translate-x-1/2 items-center gap-1.5 rounded-full bg-slate-900 px-4 py-2 text-sm font-medium text-white shadow-lg transition hover:bg-slate-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 starting:translate-y-2 starting:opacity-0"
        >
          <ArrowDownIcon className="size-4" />
          {unread === 1 ? "1 new message" : `${unread} new messages`}
        </button>
      ) : null}
    </div>
  );
}

function DaySeparator({ label }: { label: string }) {
  return (
    <div className="my-1 flex justify-center">
      <span className="rounded-full bg-white/90 px-3 py-1 text-xs font-medium text-slate-500 shadow-sm ring-1 ring-slate-900/5 backdrop-blur">
        {label}
      </span>
    </div>
  );
}

function EmptyState() {
  return (
    <div className="m-auto flex max-w-xs flex-col items-center py-12 text-center" data-testid="empty-state">
      <span className="grid size-14 place-items-center rounded-2xl bg-indigo-100 text-indigo-600">
        <ChatBubblesIcon className="size-7" />
      </span>
      <h2 className="mt-4 font-semibold text-slate-900">No messages yet</h2>
      <p className="mt-1 text-sm leading-relaxed text-slate-500">
        Say hello below. Announcements from the team will show up here as well.
      </p>
    </div>
  );
}

function Skeleton() {
  return (
    <div className="flex flex-col gap-3" aria-busy="true">
      <span className="sr-only">Loading messages…</span>
      {["w-2/3", "ml-auto w-1/2", "w-3/4", "ml-auto w-1/3"].map((w) => (
        <div key={w} className={`h-14 animate-pulse rounded-2xl bg-slate-200/70 ${w}`} />
      ))}
    </div>
  );
}
