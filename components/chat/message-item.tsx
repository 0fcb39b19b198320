"use client";

import type { Level, StoredMessage } from "@/lib/schemas/message";
import { formatFull, formatTime, useHydrated } from "./format";
import { LevelIcon } from "./icons";
import { LEVEL_STYLE } from "./levels";
import type { PendingMessage } from "./timeline";

/**
 * One timeline entry. All content is rendered as React text children — never as HTML — so a
 * message like `<img src=x onerror=…>` shows as those characters.
 */
function Time({ iso, className }: { iso: string; className?: string }) {
  const hydrated = useHydrated();
  if (!hydrated) return null;
  return (
    <time dateTime={iso} title={formatFull(iso)} className={className}>
      {formatTime(iso)}
    </time>
  );
}

const TEXT = "whitespace-pre-wrap break-words [overflow-wrap:anywhere]";

export function BroadcastCard({
  message,
  level,
  highlighted,
  observe,
}: {
  message: StoredMessage;
  level: Level;
  highlighted?: boolean;
  observe?: (el: HTMLElement | null) => void;
}) {
  const s = LEVEL_STYLE[level];
  return (
    <article
      ref={observe}
      id={`message-${message.id}`}
      data-testid="message"
      data-type="broadcast"
      data-level={level}
      data-message-id={message.id}
      data-highlighted={highlighted ? "true" : undefined}
      aria-label={`${s.label} announcement${message.title ? `: ${message.title}` : ""}`}
      className={`relative mx-auto w-full max-w-2xl scroll-my-24 overflow-hidden rounded-2xl border shadow-sm transition-shadow duration-700 ${s.card} ${
        highlighted ? `ring-2 ring-offset-2 ring-offset-slate-50 ${s.ring}` : ""
      }`}
    >
      <span aria-hidden className={`absolute inset-y-0 left-0 w-1 ${s.stripe}`} />
      <div className="flex gap-3 py-3.5 pr-4 pl-5">
        <span className={`mt-0.5 grid size-8 shrink-0 place-items-center rounded-full ${s.icon}`}>
          <LevelIcon level={level} className="size-[18px]" />
        </span>
        <div className="min-w-0 flex-1">
          <div className="flex items-baseline gap-2 text-xs">
            <span className={`font-semibold ${s.kicker}`} data-testid="level-label">
              {s.label}
            </span>
            <span className="text-slate-600">System announcement</span>
            <Time iso={message.createdAt} className="ml-auto shrink-0 text-slate-600 tabular-nums" />
          </div>
          {message.title ? (
            <h2 className={`mt-1 font-semibold text-slate-900 ${TEXT}`} data-testid="message-title">
              {message.title}
            </h2>
          ) : null}
          <p
            className={`mt-0.5 text-[15px] leading-relaxed text-slate-700 ${TEXT}`}
            data-testid="message-text"
          >
            {message.message}
          </p>
        </div>
      </div>
    </article>
  );
}

export function UserBubble({ message }: { message: StoredMessage }) {
  return (
    <div
      id={`message-${message.id}`}
      data-testid="message"
      data-type="user"
      data-message-id={message.id}
      className="flex flex-col items-end"
    >
      <div
        className={`max-w-[85%] rounded-2xl rounded-br-md bg-indigo-600 px-4 py-2.5 text-[15px] leading-relaxed text-white shadow-sm sm:max-w-[75%] ${TEXT}`}
        data-testid="message-text"
      >
        {message.message}
      </div>
      <Time iso={message.createdAt} className="mt-1 mr-1 text-[11px] text-slate-600 tabular-nums" />
    </div>
  );
}

export function PendingBubble({
  pending,
  onRetry,
  onDiscard,
}: {
  pending: PendingMessage;
  onRetry: () => void;
  onDiscard: () => void;
}) {
  const failed = pending.state === "failed";
  return (
    <div
      data-testid="message"
      data-type="pending"
      data-state={pending.state}
      className="flex flex-col items-end"
    >
      <div
        className={`max-w-[85%] rounded-2xl rounded-br-md px-4 py-2.5 text-[15px] leading-relaxed shadow-sm sm:max-w-[75%] ${TEXT} ${
          failed ? "bg-white text-slate-700 ring-1 ring-rose-300" : "bg-indigo-600/70 text-white"
        }`}
        data-testid="message-text"
      >
        {pending.text}
      </div>
      {failed ? (
        <div className="mt-1 mr-1 flex items-center gap-2 text-xs" role="alert">
          <span className="text-rose-600">{pending.error ?? "Not sent"}</span>
          <button
            type="button"
            onClick={onRetry}
            className="rounded font-semibold text-indigo-600 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500"
          >
            Retry
          </button>
          <button
            type="button"
            onClick={onDiscard}
            className="rounded text-slate-500 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500"
          >
            Discard
          </button>
        </div>
      ) : (
        <span className="mt-1 mr-1 text-[11px] text-slate-600">Sending…</span>
      )}
    </div>
  );
}

/** A list element the chat app wrote in a format Herald does not know: shown as it is stored. */
export function RawEntry({ raw }: { raw: string }) {
  return (
    <div data-testid="message" data-type="raw" className="flex flex-col items-start">
      <div
        className={`max-w-[85%] rounded-2xl rounded-bl-md border border-slate-200 bg-white px-4 py-2.5 font-mono text-[13px] leading-relaxed text-slate-700 shadow-sm sm:max-w-[75%] ${TEXT}`}
        data-testid="message-text"
      >
        {raw}
      </div>
      <span className="mt-1 ml-1 text-[11px] text-slate-600">Earlier message</span>
    </div>
  );
}
