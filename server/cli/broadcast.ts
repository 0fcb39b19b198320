import { type Command, Option } from "commander";
import { listDeliveries } from "../../lib/broadcasts/deliveries";
import { countWorkers, startBroadcastWorker, type WorkerHandle } from "../../lib/broadcasts/jobs";
import { toSummary } from "../../lib/broadcasts/store";
import { submitBroadcast, waitForBroadcast } from "../../lib/broadcasts/submit";
import {
  type Broadcast,
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
  /** false with --no-wait: print the id once the job exists, and exit. */
  wait?: boolean;
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
    .option("--no-wait", "queue it, print its id and exit (a Herald server's worker runs it)")
    .option("--json", "print the summary as JSON instead of the legacy line")
    .addHelpText(
      "after",
      `
Ends with the legacy line on stdout:
  Broadcast message sent: "<message>" (level: <level>) - stored in <N> sessions
Exit status: 0 completed, 1 some sessions failed (partial/failed), 2 bad usage.
With a Herald server running, its workers run the broadcast and this command follows it;
with none, this command runs it itself. Either way an interrupted run resumes by itself.

Examples:
  herald broadcast "System maintenance in 5 minutes" --title "Maintenance Alert" --level warning
  herald broadcast "Back online" --session abc123 def456 --json`,
    )
    .action(async (message: string, opts: BroadcastOptions) => {
      const req = parseBroadcastArgs(message, opts);
      process.exitCode = await runBroadcast(req, opts);
    });
}

/** Follow the broadcast's record until it finishes, with a progress bar on a terminal. */
async function followWithProgress(
  deps: Parameters<typeof waitForBroadcast>[0],
  id: string,
  since: number,
): Promise<BroadcastSummary> {
  const progress = createProgress(
    "Broadcasting",
    "stored {stored} · dup {duplicates} · failed {failed} · {rate}/s",
  );
  const t0 = performance.now();
  // The bar counts sessions done (targeted) against the run's estimate of the target (0 until
  // known: total shown as "?"), which refines as the SCAN walk goes.
  const show = (b: Broadcast, total?: number) => {
    if (!progress.active) return;
    // An estimate no larger than what is done tells nothing yet (the first SCAN page): show "?".
    const estimate = total ?? (b.estimatedTotal > b.targeted ? b.estimatedTotal : 0);
    const secs = (performance.now() - t0) / 1000;
    progress.update(b.targeted, estimate, {
      stored: b.stored,
      duplicates: b.duplicates,
      failed: b.failed,
      rate: secs > 0 ? Math.round(b.targeted / secs) : 0,
    });
  };
  try {
    const { broadcast } = await waitForBroadcast(deps, id, Number.POSITIVE_INFINITY, {
      since,
      onUpdate: (b) => show(b),
    });
    show(broadcast, broadcast.targeted);
    return toSummary(broadcast);
  } finally {
    progress.stop();
  }
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

    const since = Date.now();
    const sent = await submitBroadcast(rt.deps, req, cliAuthor());
    const workers = await countWorkers(rt.deps);
    if (opts.wait === false) {
      out(sent.id);
      note(`broadcast ${sent.id}: ${sent.status}`);
      if (workers === 0)
        note("no Herald server is running: it runs when one starts (or send it again without --no-wait)");
      return EXIT_OK;
    }
    // No server to run it: run it here, as the legacy management command did.
    let local: WorkerHandle | undefined;
    if (workers === 0) {
      note("no Herald server is running: running the broadcast in this process");
      local = startBroadcastWorker(rt.deps, { emitters: rt.emitters(), concurrency: 1 });
    }
    // Only a run that starts now counts (a re-send runs a finished broadcast again).
    const from = sent.status === "queued" ? since : 0;
    const summary = await followWithProgress(rt.deps, sent.id, from).finally(() => local?.close());

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
