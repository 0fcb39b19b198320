"use client";

import { useEffect, useRef, useState } from "react";
import type { Level, StoredMessage } from "@/lib/schemas/message";
import { CloseIcon, LevelIcon } from "./icons";
import { LEVEL_STYLE } from "./levels";

export interface Toast {
  id: string;
  message: StoredMessage;
  level: Level;
}

/** How long a notice stays (paused while hovered or focused). */
const TOAST_MS = 12_000;

/** Short notices for new announcements; each can be dismissed or followed to its place in the chat. */
export function Toasts({
  toasts,
  onDismiss,
  onView,
  observe,
}: {
  toasts: Toast[];
  onDismiss: (id: string) => void;
  onView: (id: string) => void;
  observe: (id: string) => (el: HTMLElement | null) => void;
}) {
  return (
    <section
      aria-label="Notifications"
      // Below the chat's header (its connection status stays readable), on a phone as on a desktop.
      className="pointer-events-none fixed inset-x-3 top-[4.5rem] z-50 flex flex-col items-stretch gap-2 sm:inset-x-auto sm:top-24 sm:right-5 sm:w-96"
    >
      {toasts.map((t) => (
        <ToastCard
          key={t.id}
          toast={t}
          onDismiss={() => onDismiss(t.id)}
          onView={() => onView(t.id)}
          observe={observe(t.id)}
        />
      ))}
    </section>
  );
}

function ToastCard({
  toast,
  onDismiss,
  onView,
  observe,
}: {
  toast: Toast;
  onDismiss: () => void;
  onView: () => void;
  observe: (el: HTMLElement | null) => void;
}) {
  const s = LEVEL_STYLE[toast.level];
  const [paused, setPaused] = useState(false);
  const dismiss = useRef(onDismiss);
  useEffect(() => {
    dismiss.current = onDismiss;
  });
  useEffect(() => {
    if (paused) return;
    const t = window.setTimeout(() => dismiss.current(), TOAST_MS);
    return () => window.clearTimeout(t);
  }, [paused]);

  const { title, message } = toast.message;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: hover and focus only pause the auto-dismiss; the controls are buttons
    <div
      ref={observe}
      role={toast.level === "error" ? "alert" : "status"}
      data-testid="toast"
      data-level={toast.level}
      data-message-id={toast.id}
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocus={() => setPaused(true)}
      onBlur={() => setPaused(false)}
      className="pointer-events-auto relative overflow-hidden rounded-2xl bg-white shadow-xl ring-1 shadow-slate-900/10 ring-slate-900/10 transition duration-300 ease-out starting:-translate-y-3 starting:opacity-0"
    >
      <span aria-hidden className={`absolute inset-y-0 left-0 w-1 ${s.stripe}`} />
      <div className="flex gap-3 py-3 pr-2 pl-4">
        <span className={`mt-0.5 grid size-8 shrink-0 place-items-center rounded-full ${s.icon}`}>
          <LevelIcon level={toast.level} className="size-[18px]" />
        </span>
        <div className="min-w-0 flex-1">
          <p className={`text-xs font-semibold ${s.kicker}`}>{s.label} · New announcement</p>
          {title ? (
            <p className="mt-0.5 truncate font-semibold text-slate-900" data-testid="toast-title">
              {title}
            </p>
          ) : null}
          <p
            className={`line-clamp-2 text-sm break-words [overflow-wrap:anywhere] ${title ? "text-slate-600" : "mt-0.5 text-slate-900"}`}
          >
            {message}
          </p>
          <button
            type="button"
            onClick={onView}
            className="mt-1.5 rounded text-sm font-semibold text-indigo-600 hover:text-indigo-500 focus-visible:outline-2 focus-visible:outline-indigo-500"
          >
            View in chat
          </button>
        </div>
        <button
          type="button"
          onClick={onDismiss}
          aria-label="Dismiss notification"
          data-testid="toast-dismiss"
          className="grid size-8 shrink-0 place-items-center rounded-full text-slate-500 transition hover:bg-slate-100 hover:text-slate-700 focus-visible:outline-2 focus-visible:outline-indigo-500"
        >
          <CloseIcon className="size-4" />
        </button>
      </div>
    </div>
  );
}
