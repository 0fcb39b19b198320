"use client";

import { CloudOffIcon } from "./icons";
import type { ConnectionStatus } from "./use-chat";

const PILL: Record<ConnectionStatus, { label: string; dot: string; text: string }> = {
  connecting: { label: "Connecting…", dot: "bg-slate-400 animate-pulse", text: "text-slate-500" },
  live: { label: "Live", dot: "bg-emerald-500", text: "text-emerald-700" },
  reconnecting: { label: "Reconnecting…", dot: "bg-amber-500 animate-pulse", text: "text-amber-700" },
  offline: { label: "Offline", dot: "bg-slate-400", text: "text-slate-500" },
  ended: { label: "Session ended", dot: "bg-rose-500", text: "text-rose-700" },
};

/** The connection's state, always visible in the header. */
export function ConnectionPill({ status }: { status: ConnectionStatus }) {
  const p = PILL[status];
  return (
    <span
      data-testid="connection-status"
      data-status={status}
      className={`inline-flex shrink-0 items-center gap-1.5 rounded-full bg-white px-2.5 py-1 text-xs font-medium shadow-sm ring-1 ring-slate-900/5 ${p.text}`}
    >
      <span aria-hidden className={`size-2 rounded-full ${p.dot}`} />
      <span aria-live="polite">{p.label}</span>
    </span>
  );
}

/** What the reader should know when the chat is not live: offline, or the session is gone. */
export function ConnectionBanner({ status }: { status: ConnectionStatus }) {
  if (status === "offline") {
    return (
      <div
        data-testid="offline-banner"
        className="flex items-center justify-center gap-2 border-b border-slate-200 bg-slate-100 px-4 py-2 text-center text-sm text-slate-600"
      >
        <CloudOffIcon className="size-4 shrink-0" />
        <span>You are offline. Anything sent to you meanwhile appears once you are back.</span>
      </div>
    );
  }
  if (status === "ended") {
    return (
      <div className="flex flex-wrap items-center justify-center gap-x-3 gap-y-1 border-b border-rose-200 bg-rose-50 px-4 py-2 text-center text-sm text-rose-800">
        <span>This chat session has ended.</span>
        <button
          type="button"
          onClick={() => window.location.reload()}
          className="rounded font-semibold underline underline-offset-2 hover:text-rose-950 focus-visible:outline-2 focus-visible:outline-rose-500"
        >
          Start a new chat
        </button>
      </div>
    );
  }
  return null;
}
