"use client";

import { BroadcastCard, UserBubble } from "@/components/chat/message-item";
import type { Level, StoredMessage } from "@/lib/schemas/message";

/**
 * A broadcast exactly as the chat page shows it: the chat page's own card component, so the
 * preview cannot drift from the real thing. Text only, never parsed as HTML.
 */
export function BroadcastBubble({
  title,
  message,
  level,
  createdAt,
  id = "preview",
  placeholder = "Your message appears here.",
}: {
  title?: string;
  message: string;
  level: Level;
  createdAt?: string;
  id?: string;
  placeholder?: string;
}) {
  const msg: StoredMessage = {
    id,
    type: "broadcast",
    ...(title ? { title } : {}),
    message: message || placeholder,
    level,
    createdAt: createdAt ?? new Date().toISOString(),
  };
  return (
    <div data-placeholder={message ? undefined : "true"}>
      <BroadcastCard message={msg} level={level} />
    </div>
  );
}

/** The compose page's live preview: the broadcast inside a mock of the chat page. */
export function ChatPreview({ title, message, level }: { title?: string; message: string; level: Level }) {
  const earlier: StoredMessage = {
    id: "preview-user",
    type: "user",
    message: "Hi! Is the service up today?",
    createdAt: new Date(Date.now() - 120_000).toISOString(),
  };
  return (
    <div
      className="overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm"
      data-testid="chat-preview"
    >
      <div className="flex items-center gap-2 border-b border-slate-100 bg-white px-4 py-2.5">
        <span className="flex gap-1" aria-hidden="true">
          <span className="size-2.5 rounded-full bg-slate-200" />
          <span className="size-2.5 rounded-full bg-slate-200" />
          <span className="size-2.5 rounded-full bg-slate-200" />
        </span>
        <span className="text-xs font-medium text-slate-500">On the chat page</span>
      </div>
      <div className="space-y-3 bg-slate-50 p-3 sm:p-4">
        <div aria-hidden="true">
          <UserBubble message={earlier} />
        </div>
        <BroadcastBubble title={title} message={message} level={level} />
        <div className="flex gap-2 pt-1" aria-hidden="true">
          <div className="h-9 flex-1 rounded-full border border-slate-200 bg-white" />
          <div className="h-9 w-9 rounded-full bg-indigo-200" />
        </div>
      </div>
    </div>
  );
}
