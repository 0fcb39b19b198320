import { z } from "zod";
import type { Deps } from "./context";

/**
 * The audit trail: who did what, when — to which broadcast, or to which admin or token. One
 * Redis stream (`herald:audit`), newest kept (about 10,000 entries), read newest first by the
 * console and the API.
 */
export const BROADCAST_ACTIONS = [
  "broadcast.sent",
  "broadcast.scheduled",
  "broadcast.cancelled",
  "broadcast.retracted",
  "broadcast.expired",
] as const;
/** Who may reach the console and the API: listed for signed-in admins only, never to a token. */
export const ACCESS_ACTIONS = [
  "admin.added",
  "admin.removed",
  "admin.password-changed",
  "admin.signed-out-elsewhere",
  "token.created",
  "token.revoked",
] as const;
export const AUDIT_ACTIONS = [...BROADCAST_ACTIONS, ...ACCESS_ACTIONS] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  /** The stream entry id (also the cursor of the next page). */
  id: string;
  at: string;
  actor: string;
  action: AuditAction;
  /** The broadcast acted on (broadcast.* actions). */
  broadcastId?: string;
  /** The admin's email or the token's name acted on (admin.* and token.* actions). */
  subject?: string;
  detail?: string;
}

const MAX_ENTRIES = 10_000;

export async function recordAudit(deps: Deps, entry: Omit<AuditEntry, "id" | "at">): Promise<void> {
  const fields = ["at", new Date().toISOString(), "actor", entry.actor, "action", entry.action];
  if (entry.broadcastId) fields.push("broadcastId", entry.broadcastId);
  if (entry.subject) fields.push("subject", entry.subject);
  if (entry.detail) fields.push("detail", entry.detail);
  // An audit line that cannot be written must not undo the action it describes: log it instead.
  await deps.redis
    .xadd(deps.keys.audit(), "MAXLEN", "~", MAX_ENTRIES, "*", ...fields)
    .catch((err) => deps.log.error({ err: String(err), ...entry }, "could not write the audit trail"));
}

export const AuditQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,15}-\d{1,10}$/, "cursor is an entry id from a previous page")
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  broadcastId: z.string().max(64).optional(),
});

/** Newest first; `cursor` is the last id of the previous page. */
export async function listAudit(
  deps: Deps,
  q: z.output<typeof AuditQuerySchema>,
  opts: { includeAccess: boolean } = { includeAccess: true },
): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
  const shown: readonly string[] = opts.includeAccess ? AUDIT_ACTIONS : BROADCAST_ACTIONS;
  const entries: AuditEntry[] = [];
  let end = q.cursor ? `(${q.cursor}` : "+";
  // A broadcast filter reads on until the page is full (bounded: the stream is capped).
  for (let reads = 0; entries.length < q.limit && reads < 50; reads++) {
    const rows = await deps.redis.xrevrange(deps.keys.audit(), end, "-", "COUNT", q.limit);
    for (const [id, flat] of rows) {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
      end = `(${id}`;
      if (!shown.includes(f.action ?? "")) continue; // an odd entry, or one this caller may not see
      if (q.broadcastId && f.broadcastId !== q.broadcastId) continue;
      entries.push({
        id,
        at: f.at ?? "",
        actor: f.actor ?? "unknown",
        action: f.action as AuditAction,
        ...(f.broadcastId ? { broadcastId: f.broadcastId } : {}),
        ...(f.subject ? { subject: f.subject } : {}),
        ...(f.detail ? { detail: f.detail } : {}),
      });
      if (entries.length === q.limit) break;
    }
    if (rows.length < q.limit) return { entries, nextCursor: null };
  }
  return { entries, nextCursor: entries.length === q.limit ? (entries.at(-1)?.id ?? null) : null };
}
