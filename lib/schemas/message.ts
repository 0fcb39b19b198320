import { z } from "zod";

/** Levels a broadcast can carry; the chat page styles each differently. */
export const LEVELS = ["info", "success", "warning", "error"] as const;
export const LevelSchema = z.enum(LEVELS);
export type Level = z.infer<typeof LevelSchema>;

/** The one name of each level wherever a person reads it: the console, the chat page, the CLI's help. */
export const LEVEL_LABEL: Record<Level, string> = {
  info: "Info",
  success: "Success",
  warning: "Warning",
  error: "Error",
};

/** One element of `session:<id>:messages`, as Herald and the chat app write it. */
export const StoredMessageSchema = z.object({
  id: z.string().min(1),
  type: z.enum(["broadcast", "user"]),
  title: z.string().optional(),
  message: z.string(),
  level: LevelSchema.optional(),
  broadcastId: z.string().optional(),
  createdAt: z.string(),
});
export type StoredMessage = z.infer<typeof StoredMessageSchema>;

/** A list element as shown to readers: a parsed message, or a legacy/unknown element kept raw. */
export type HistoryEntry = { kind: "message"; message: StoredMessage } | { kind: "raw"; raw: string };

export function parseHistoryEntry(raw: string): HistoryEntry {
  try {
    const parsed = StoredMessageSchema.safeParse(JSON.parse(raw));
    if (parsed.success) return { kind: "message", message: parsed.data };
  } catch {
    // not JSON: shown raw below
  }
  return { kind: "raw", raw };
}

/** What an end user may write from the chat page. */
export const UserMessageInputSchema = z.object({
  message: z.string().trim().min(1, "Write something first").max(4000),
});
