"use client";

import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import { SendIcon } from "./icons";

const MAX_LENGTH = 4000;
const SHOW_COUNT_FROM = 3500;
const MAX_HEIGHT_PX = 160;

/** The message box: Enter sends, Shift+Enter starts a new line; grows with its text up to a limit. */
export function Composer({ onSend, disabled }: { onSend: (text: string) => void; disabled?: boolean }) {
  const [text, setText] = useState("");
  const box = useRef<HTMLTextAreaElement>(null);
  const trimmed = text.trim();
  const tooLong = text.length > MAX_LENGTH;
  const canSend = !disabled && trimmed.length > 0 && !tooLong;

  // Grow with the content (the height follows scrollHeight, capped).
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-measure whenever the text changes
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!canSend) return;
    onSend(trimmed);
    setText("");
    box.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Not while an IME is composing (Enter then confirms the composition).
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <form
      onSubmit={submit}
      className="border-t border-slate-200/80 bg-white/95 px-3 pt-3 pb-[max(0.75rem,env(safe-area-inset-bottom))] backdrop-blur sm:px-6"
    >
      <div className="mx-auto flex max-w-3xl items-end gap-2">
        <div className="flex min-w-0 flex-1 rounded-3xl border border-slate-300 bg-slate-50 transition focus-within:border-indigo-400 focus-within:bg-white focus-within:ring-4 focus-within:ring-indigo-100">
          <label htmlFor="chat-input" className="sr-only">
            Message
          </label>
          <textarea
            id="chat-input"
            ref={box}
            rows={1}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={onKeyDown}
            placeholder={disabled ? "This chat session has ended" : "Write a message…"}
            disabled={disabled}
            enterKeyHint="send"
            autoComplete="off"
            data-testid="composer-input"
            className="block max-h-40 min-h-11 w-full resize-none bg-transparent px-4 py-2.5 text-[16px] leading-6 text-slate-900 outline-none placeholder:text-slate-500 disabled:cursor-not-allowed"
          />
        </div>
        <button
          type="submit"
          disabled={!canSend}
          aria-label="Send message"
          data-testid="composer-send"
          className="grid size-11 shrink-0 place-items-center rounded-full bg-indigo-600 text-white shadow-sm transition hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 active:scale-95 disabled:bg-slate-300 disabled:shadow-none"
        >
          <SendIcon className="size-5" />
        </button>
      </div>
      <div
        className={`mx-auto mt-1.5 max-w-3xl justify-between px-2 text-[11px] text-slate-600 ${
          text.length >= SHOW_COUNT_FROM ? "flex" : "hidden sm:flex"
        }`}
      >
        <span className="hidden sm:inline">Enter to send · Shift + Enter for a new line</span>
        {text.length >= SHOW_COUNT_FROM ? (
          <span className={`ml-auto tabular-nums ${tooLong ? "font-medium text-rose-600" : ""}`}>
            {text.length} / {MAX_LENGTH}
          </span>
        ) : null}
      </div>
    </form>
  );
}
