// GET / — the end-user chat page. The custom server has already issued the session cookie
// (first visit) and made it visible to this render; the history is read here so the first
// paint shows it, then the client keeps it live.
import type { Metadata, Viewport } from "next";
import { cookies } from "next/headers";
import { ChatApp } from "@/components/chat/chat-app";
import { getDeps } from "@/lib/context";
import { getLogger } from "@/lib/log";
import type { HistoryEntry } from "@/lib/schemas/message";
import { readHistory } from "@/lib/sessions/history";
import { resolveVisitor, SESSION_COOKIE } from "@/lib/sessions/visitor";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Chat · Herald" };

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  // The on-screen keyboard shrinks the page, so the composer stays above it.
  interactiveWidget: "resizes-content",
  viewportFit: "cover",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#eef2ff" },
    { media: "(prefers-color-scheme: dark)", color: "#1e1b4b" },
  ],
};

export default async function ChatPage() {
  const sid = (await cookies()).get(SESSION_COOKIE)?.value;
  let initial: HistoryEntry[] | null = null;
  try {
    const { redis, keys } = getDeps();
    const id = await resolveVisitor(redis, keys, sid);
    // No session (it expired since the cookie was issued): the client finds out and offers a new one.
    initial = id ? await readHistory(redis, keys, id) : null;
  } catch (err) {
    // Redis unreachable: render the shell; the client fetches the history as soon as it can.
    getLogger().warn({ err: String(err) }, "chat page rendered without history");
  }
  return <ChatApp initialHistory={initial} />;
}
