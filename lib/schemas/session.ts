import { z } from "zod";
import { ScanCursorSchema } from "./cursor";

export const SESSION_FILTERS = ["all", "empty", "nonempty", "online"] as const;
export const SessionFilterSchema = z.enum(SESSION_FILTERS);
export type SessionFilter = z.infer<typeof SessionFilterSchema>;

export const ListSessionsQuerySchema = z.object({
  filter: SessionFilterSchema.default("all"),
  // A SCAN position (see ./cursor): a SCAN cursor is an unsigned 64-bit number, so anything larger
  // is refused here, not by Redis (a 500).
  cursor: ScanCursorSchema,
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  q: z.string().max(200).optional(),
});

export interface SessionInfo {
  id: string;
  empty: boolean;
  messageCount: number;
  online: boolean;
  /** TTL of the session's keys in seconds; -1 none, null when unknown. */
  ttlSeconds: number | null;
}

export interface SessionPage {
  sessions: SessionInfo[];
  nextCursor: string | null;
}

export interface PreviewResult {
  total: number;
  empty: number;
  withMessages: number;
  online: number;
  sample: SessionInfo[];
  /**
   * Present while the counts of `all` are estimates: the walk stopped at its time budget having
   * covered `walked` (0..1) of the keyspace, and the counts are scaled up from what it found.
   * Send `resume` back (with the same target) to go on; the last answer has no `counting`.
   */
  counting?: { walked: number; resume: string };
}
