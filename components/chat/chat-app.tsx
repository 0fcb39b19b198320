"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { HistoryEntry } from "@/lib/schemas/message";
import { Composer } from "./composer";
import { ConnectionBanner, ConnectionPill } from "./connection";
import { MegaphoneIcon } from "./icons";
import { MessageList } from "./message-list";
import { type Toast, Toasts } from "./toasts";
import { useChat } from "./use-chat";
import { useSeen } from "./use-seen";

const MAX_TOASTS = 3;
const HIGHLIGHT_MS = 2500;

/**
 * The end user's chat page: history, composer, live announcements with a short notice each,
 * and the receipts that tell admins what was delivered and seen.
 */
export function ChatApp({ initialHistory }: { initialHistory: HistoryEntry[] | null }) {
  const chat = useChat(initialHistory);
  const observe = useSeen(chat.markSeen);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [highlighted, setHighlighted] = useState<string | null>(null);
  const known = useRef<Set<string> | null>(null);
  const following = useRef(true);
  const onArrival = useCallback((inView: boolean) => {
    following.current = inView;
  }, []);

  // A broadcast this tab has not shown before (live, or found by a catch-up refetch) gets a notice,
  // unless it scrolls into view at the end of the list (it is then highlighted instead: a notice
  // would only repeat it). The history present when the page loaded gets neither.
  useEffect(() => {
    if (chat.loading) return;
    const broadcasts = chat.timeline.filter((i) => i.kind === "broadcast");
    if (!known.current) {
      known.current = new Set(broadcasts.map((b) => b.message.id));
      return;
    }
    const seen = known.current;
    const fresh = broadcasts.filter((b) => !seen.has(b.message.id));
    if (fresh.length === 0) return;
    for (const b of fresh) seen.add(b.message.id);
    if (following.current && document.visibilityState === "visible") {
      setHighlighted(fresh.at(-1)!.message.id);
      return;
    }
    setToasts((cur) =>
      [...cur, ...fresh.map((b) => ({ id: b.message.id, message: b.message, level: b.level }))].slice(
        -MAX_TOASTS,
      ),
    );
  }, [chat.timeline, chat.loading]);

  // A notice whose broadcast left the timeline (retracted) goes with it.
  useEffect(() => {
    const shown = new Set(chat.timeline.map((i) => i.key));
    setToasts((cur) => (cur.every((t) => shown.has(t.id)) ? cur : cur.filter((t) => shown.has(t.id))));
  }, [chat.timeline]);

  const dismiss = useCallback((id: string) => setToasts((cur) => cur.filter((t) => t.id !== id)), []);

  const view = useCallback(
    (id: string) => {
      dismiss(id);
      document.getElementById(`message-${id}`)?.scrollIntoView({ behavior: "smooth", block: "center" });
      setHighlighted(id);
    },
    [dismiss],
  );

  useEffect(() => {
    if (!highlighted) return;
    const t = window.setTimeout(() => setHighlighted(null), HIGHLIGHT_MS);
    return () => window.clearTimeout(t);
  }, [highlighted]);

  const ended = chat.status === "ended";
  return (
    <div className="flex h-dvh flex-col bg-gradient-to-b from-indigo-50 via-slate-100 to-slate-100 sm:p-4">
      <main className="mx-auto flex min-h-0 w-full max-w-4xl flex-1 flex-col overflow-hidden bg-slate-50 sm:rounded-3xl sm:border sm:border-slate-200 sm:shadow-xl sm:shadow-slate-900/5">
        <header className="flex items-center gap-3 border-b border-slate-200/80 bg-white/90 px-4 py-3 backdrop-blur sm:px-6">
          <span className="grid size-10 shrink-0 place-items-center rounded-xl bg-indigo-600 text-white shadow-sm shadow-indigo-600/30">
            <MegaphoneIcon className="size-5" />
          </span>
          <div className="min-w-0 flex-1">
            <h1 className="truncate text-[15px] leading-tight font-semibold text-slate-900">Herald Chat</h1>
            <p className="truncate text-xs text-slate-500">Messages and announcements</p>
          </div>
          <ConnectionPill status={chat.status} />
        </header>
        <ConnectionBanner status={chat.status} />
        {chat.loadError ? (
          <div className="flex items-center justify-center gap-3 border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-800">
            <span>Could not load your messages.</span>
            <button
              type="button"
              onClick={chat.retryLoad}
              className="font-semibold underline underline-offset-2"
            >
              Try again
            </button>
          </div>
        ) : null}
        <MessageList
          items={chat.timeline}
          loading={chat.loading}
          observe={observe}
          highlighted={highlighted}
          onRetry={(clientId, text) => void chat.send(text, clientId)}
          onDiscard={chat.discard}
          onArrival={onArrival}
        />
        <Composer onSend={(text) => void chat.send(text)} disabled={ended} />
      </main>
      <Toasts toasts={toasts} onDismiss={dismiss} onView={view} observe={(id) => observe(id, "toast")} />
    </div>
  );
}
