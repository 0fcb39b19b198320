import type { Command } from "commander";
import { z } from "zod";
import { SESSION_FILTERS, SessionFilterSchema, type SessionInfo } from "../../lib/schemas/session";
import { listSessions } from "../../lib/sessions/query";
import { note, printJson, printTable, usageErrorFromZod, withRuntime } from "./runtime";

const SessionsArgsSchema = z.object({
  filter: SessionFilterSchema,
  limit: z.coerce.number().int("must be a whole number").min(1).max(1_000_000),
});

/** "6d 23h", "59m 10s", "none" (no expiry), "-" (unknown). */
export function formatTtl(ttl: number | null): string {
  if (ttl === null) return "-";
  if (ttl < 0) return "none";
  const d = Math.floor(ttl / 86_400);
  const h = Math.floor((ttl % 86_400) / 3600);
  const m = Math.floor((ttl % 3600) / 60);
  const s = ttl % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

export function registerSessions(program: Command): void {
  program
    .command("sessions")
    .description("list sessions (found with SCAN) with their history size, presence and TTL")
    .option("--filter <filter>", `one of ${SESSION_FILTERS.join(", ")}`, "all")
    .option("--limit <n>", "at most this many sessions", "50")
    .option("--json", 'print {"sessions":[…],"nextCursor":…} as the HTTP API does')
    .action(async (opts: { filter: string; limit: string; json?: boolean }) => {
      const parsed = SessionsArgsSchema.safeParse(opts);
      if (!parsed.success) throw usageErrorFromZod(parsed.error, { filter: "--filter", limit: "--limit" });
      const { filter, limit } = parsed.data;
      await withRuntime(async (rt) => {
        const sessions: SessionInfo[] = [];
        let cursor: string | null = "0";
        // Pages of at most 1000 (as the API), until the limit or the end of the keyspace.
        while (cursor !== null && sessions.length < limit) {
          const page = await listSessions(rt.query, {
            filter,
            cursor,
            limit: Math.min(1000, limit - sessions.length),
          });
          sessions.push(...page.sessions);
          cursor = page.nextCursor;
        }
        // Pages hold exactly what was asked for: nextCursor continues after the last session listed.
        const shown = sessions;
        const more = cursor !== null;
        if (opts.json) {
          printJson({ sessions, nextCursor: cursor });
          return;
        }
        if (shown.length === 0) {
          note(`no sessions (filter: ${filter})`);
          return;
        }
        printTable(
          ["ID", "EMPTY", "MESSAGES", "ONLINE", "TTL"],
          shown.map((s) => [
            s.id,
            s.empty ? "yes" : "no",
            String(s.messageCount),
            s.online ? "yes" : "no",
            formatTtl(s.ttlSeconds),
          ]),
        );
        note(
          `${shown.length} session(s) shown (filter: ${filter})${more ? `; more exist: raise --limit` : ""}`,
        );
      });
    });
}
