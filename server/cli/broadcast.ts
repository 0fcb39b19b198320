import { type Command, Option } from "commander";
import { listDeliveries } from "../../lib/broadcasts/deliveries";
import { sendBroadcast } from "../../lib/broadcasts/fanout";
import type { BroadcastProgress } from "../../lib/realtime/events";
import {
  BroadcastInputSchema,
  type BroadcastRequest,
  type BroadcastSummary,
  type Target,
} from "../../lib/schemas/broadcast";
import { LEVELS } from "../../lib/schemas/message";
import { previewTarget } from "../../lib/sessions/query";
import { createProgress } from "./progress";
import {
  cliAuthor,
  EXIT_FAILURE,
  EXIT_OK,
  type FieldNames,
  note,
  out,
  printJson,
  printTable,
  usageErrorFromZod,
  withRuntime,
} from "./runtime";
import { formatTtl } from "./sessions";

interface BroadcastOptions {
  title?: string;
  level?: string;
  online?: boolean;
  session?: string[];
  id?: string;
  dryRun?: boolean;
  json?: boolean;
}

const FIELDS: FieldNames = {
  message: "<message>",
  title: "--title",
  level: "--level",
  target: "--session",
  id: "--id",
};

/** The legacy management command's last line, kept byte for byte (scripts grep it). */
export const legacyLine = (message: string, level: string, stored: number) =>
  `Broadcast message sent: "${message}" (level: ${level}) - stored in ${stored} sessions`;

/** Validate with the same schema as the HTTP API. */
export function parseBroadcastArgs(message: string, opts: BroadcastOptions): BroadcastRequest {
  const target: Target | { type: "sessions"; ids: string[] } = opts.online
    ? { type: "online" }
    : opts.session
      ? { type: "sessions", ids: opts.session }
      : { type: "all" };
  const parsed = BroadcastInputSchema.safeParse({
    message,
    title: opts.title,
    level: opts.level,
    target,
    id: opts.id,
  });
  if (!parsed.success) throw usageErrorFromZod(parsed.error, FIELDS);
  return parsed.data;
}

export function registerBroadcast(program: Command): void {
  program
    .command("broadcast")
    .description("send a system message to every session (or the online ones, or named ones)")
    .argument("<message>", "the message text (1-4000 characters)")
    .option("--title <title>", "a title shown above the message (≤ 200 characters)")
    .option("--level <level>", `one of ${LEVELS.join(", ")}`, "info")
    .addOption(new Option("--online", "only sessions with a connected client").conflicts("session"))
    .addOption(
      new Option("--session <ids...>", "only these session ids (put them after the message)").conflicts(
        "online",
      ),
    )
    .option("--id <broadcastId>", "idempotency key: sending the same id again stores nothing twice")
    .option("--dry-run", "show which sessions it would reach; write nothing")
    .option("--json", "print the summary as JSON instead of the legacy line")
    .addHelpText(
      "after",
      `
Ends with the legacy line on stdout:
  Broadcast message sent: "<message>" (level: <level>) - stored in <N> sessions
Exit status: 0 completed, 1 some sessions failed (partial/failed), 2 bad usage.

Examples:
  herald broadcast "System maintenance in 5 minutes" --title "Maintenance Alert" --level warning
  herald broadcast "Back online" --session abc123 def456 --json`,
    )
    .action(async (message: string, opts: BroadcastOptions) => {
      const req = parseBroadcastArgs(message, opts);
      process.exitCode = await runBroadcast(req, opts);
    });
}

async function runBroadcast(req: BroadcastRequest, opts: BroadcastOptions): Promise<number> {
  return withRuntime(async (rt) => {
    if (opts.dryRun) {
      const preview = await previewTarget(rt.query, req.target);
      if (opts.json) {
        printJson({
          dryRun: true,
          message: req.message,
          title: req.title,
          level: req.level,
          target: req.target,
          ...preview,
        });
        return EXIT_OK;
      }
      out(
        `Dry run: would broadcast "${req.message}" (level: ${req.level}) to ${preview.total} sessions ` +
          `(${preview.empty} empty, ${preview.withMessages} with messages, ${preview.online} online)`,
      );
      if (preview.sample.length > 0) {
        out();
        printTable(
          ["ID", "EMPTY", "MESSAGES", "ONLINE", "TTL"],
          preview.sample.map((s) => [
            s.id,
            s.empty ? "yes" : "no",
            String(s.messageCount),
            s.online ? "yes" : "no",
            formatTtl(s.ttlSeconds),
          ]),
        );
        if (preview.total > preview.sample.length) out(`… and ${preview.total - preview.sample.length} more`);
      }
      out("Nothing was written.");
      return EXIT_OK;
    }

    const progress = createProgress(
      "Broadcasting",
      "stored {stored} · dup {duplicates} · failed {failed} · {rate}/s",
    );
    const t0 = performance.now();
    // The bar counts sessions done (targeted) against the fan-out's running estimate of the
    // target (0 until known: total shown as "?"), which refines as the SCAN walk goes.
    const onProgress = (p: BroadcastProgress) => {
      if (!progress.active) return;
      // An estimate no larger than what is done tells nothing yet (the first SCAN page): show "?".
      const estimate = p.estimatedTotal > p.targeted ? p.estimatedTotal : 0;
      const secs = (performance.now() - t0) / 1000;
      progress.update(p.targeted, estimate, {
        stored: p.stored,
        duplicates: p.duplicates,
        failed: p.failed,
        rate: secs > 0 ? Math.round(p.targeted / secs) : 0,
      });
    };
    let summary: BroadcastSummary;
    try {
      summary = await sendBroadcast(rt.deps, req, cliAuthor(), { emitters: rt.emitters(), onProgress });
      progress.update(summary.targeted, summary.targeted, {
        stored: summary.stored,
        duplicates: summary.duplicates,
        failed: summary.failed,
        rate: Math.round(summary.targeted / Math.max(0.001, (performance.now() - t0) / 1000)),
      });
    } finally {
      progress.stop();
    }

    if (opts.json) printJson(summary);
    else out(legacyLine(req.message, req.level, summary.stored));
    note(
      `broadcast ${summary.id}: ${summary.status}; targeted ${summary.targeted}, stored ${summary.stored} ` +
        `(${summary.created} new lists), duplicates ${summary.duplicates}, failed ${summary.failed}`,
    );
    if (summary.status === "completed") return EXIT_OK;

    // Name a few failures so the cause is visible without another command.
    const { deliveries } = await listDeliveries(rt.deps.redis, rt.deps.keys, summary.id, {
      status: "failed",
      cursor: "0",
      limit: 5,
    });
    note(`warning: ${summary.failed} session(s) failed (status ${summary.status}):`);
    for (const d of deliveries) note(`  ${d.sessionId}: ${d.reason ?? "unknown reason"}`);
    if (summary.failed > deliveries.length)
      note(`  … see GET /api/broadcasts/${summary.id}/deliveries?status=failed`);
    return EXIT_FAILURE;
  });
}
