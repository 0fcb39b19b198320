import { type Command, Option } from "commander";
import { listDeliveries } from "../../lib/broadcasts/deliveries";
import { countWorkers, startBroadcastWorker, type WorkerHandle } from "../../lib/broadcasts/jobs";
import { cancelBroadcast, retractBroadcast } from "../../lib/broadcasts/lifecycle";
import { getBroadcast, toPublic, toSummary } from "../../lib/broadcasts/store";
import { submitBroadcast, waitForBroadcast } from "../../lib/broadcasts/submit";
import {
  type Broadcast,
  BroadcastIdSchema,
  BroadcastInputSchema,
  type BroadcastRequest,
  type BroadcastSummary,
  PreviewInputSchema,
  type Target,
} from "../../lib/schemas/broadcast";
import { LEVELS } from "../../lib/schemas/message";
import type { PreviewResult } from "../../lib/schemas/session";
import { previewTarget } from "../../lib/sessions/query";
import { createProgress } from "./progress";
import {
  CliError,
  cliAuthor,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  type FieldNames,
  note,
  out,
  printJson,
  printTable,
  type Runtime,
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
  /** --at: send at this ISO time. */
  at?: string;
  /** --expires-in: retract by itself this long after it is sent ("2h", "30m", "1d12h"). */
  expiresIn?: string;
}

const FIELDS: FieldNames = {
  message: "<message>",
  title: "--title",
  level: "--level",
  target: "--session",
  id: "--id",
  sendAt: "--at",
  expiresAt: "--expires-in",
};

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "2h", "90m", "1d12h" in ms; undefined when it is not such a duration. */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+[smhd])+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([smhd])/g)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms > 0 ? ms : undefined;
}

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
  let expiresAt: string | undefined;
  if (opts.expiresIn !== undefined) {
    const ms = parseDuration(opts.expiresIn);
    if (ms === undefined)
      throw new CliError(
        `error: --expires-in: a duration such as 30m, 2h or 1d12h (got "${opts.expiresIn}")`,
        EXIT_USAGE,
      );
    const from = opts.at && !Number.isNaN(Date.parse(opts.at)) ? Date.parse(opts.at) : Date.now();
    expiresAt = new Date(from + ms).toISOString();
  }
  const parsed = BroadcastInputSchema.safeParse({
    message,
    title: opts.title,
    level: opts.level,
    target,
    id: opts.id,
    sendAt: opts.at,
    expiresAt,
  });
  if (!parsed.success) throw usageErrorFromZod(parsed.error, FIELDS);
  return parsed.data;
}

export function registerBroadcast(program: Command): void {
  const broadcast = program
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
    .option("--at <time>", "send it at this ISO 8601 time (e.g. 2026-12-24T18:00:00Z), at most 30 days ahead")
    .option("--expires-in <duration>", "retract it by itself this long after it is sent (30m, 2h, 1d)")
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
  herald broadcast "Back online" --session abc123 def456 --json
  herald broadcast "Maintenance tonight at 22:00" --at 2026-12-24T18:00:00Z --expires-in 6h`,
    )
    .action(async (message: string, opts: BroadcastOptions) => {
      const req = parseBroadcastArgs(message, opts);
      process.exitCode = await runBroadcast(req, opts);
    });

  broadcast
    .command("cancel")
    .description("stop a scheduled, queued or running broadcast (what was stored stays)")
    .argument("<id>", "the broadcast id")
    .action(async (id: string) => {
      process.exitCode = await withRuntime(async (rt) => {
        const res = await cancelBroadcast(rt.deps, parseId(id), cliAuthor(), rt.emitters());
        out(`Broadcast ${res.id} cancelled`);
        return EXIT_OK;
      });
    });

  broadcast
    .command("retract")
    .description("remove a broadcast from every session's history, and from open chat pages")
    .argument("<id>", "the broadcast id")
    .option("--no-wait", "start the retraction, print its id and exit")
    .action(async (id: string, opts: { wait?: boolean }) => {
      process.exitCode = await withRuntime(async (rt) => {
        const res = await retractBroadcast(rt.deps, parseId(id), cliAuthor(), { emitters: rt.emitters() });
        if (opts.wait === false || res.retraction === "done") {
          out(
            `Broadcast ${res.id} retracted${res.retraction === "done" ? `: removed ${res.removed} copies` : " (removing its copies)"}`,
          );
          return EXIT_OK;
        }
        const local = await localWorkerIfNone(rt);
        let done: Broadcast;
        try {
          done = await waitForRetraction(rt.deps, res.id);
        } finally {
          await local?.close();
        }
        out(`Broadcast ${res.id} retracted: removed ${done.removed ?? 0} copies`);
        return EXIT_OK;
      });
    });
}

function parseId(id: string): string {
  const parsed = BroadcastIdSchema.safeParse(id);
  if (!parsed.success)
    throw new CliError(`error: <id>: ${parsed.error.issues[0]?.message ?? "not a broadcast id"}`, EXIT_USAGE);
  return parsed.data;
}

/** No server runs: run jobs in this process for the command's duration (as the legacy command ran itself). */
async function localWorkerIfNone(rt: Runtime): Promise<WorkerHandle | undefined> {
  if ((await countWorkers(rt.deps)) > 0) return undefined;
  note("no Herald server is running: running the job in this process");
  return startBroadcastWorker(rt.deps, { emitters: rt.emitters(), concurrency: 1 });
}

async function waitForRetraction(deps: Runtime["deps"], id: string): Promise<Broadcast> {
  for (let delay = 50; ; delay = Math.min(delay * 2, 250)) {
    const b = await getBroadcast(deps.redis, deps.keys, id);
    if (!b) throw new CliError(`broadcast ${id} not found`);
    if (b.retraction === "done") return toPublic(b);
    await new Promise((r) => setTimeout(r, delay));
  }
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

/**
 * The dry run's count. Counting all sessions walks the whole keyspace (seconds at a million), so
 * on a terminal it goes in slices of a quarter second, and a bar shows the share walked and the
 * estimate so far; elsewhere it is one call. Either way the counts printed are exact.
 */
async function previewWithProgress(deps: Runtime["query"], target: Target): Promise<PreviewResult> {
  const progress = target.type === "all" ? createProgress("Counting sessions", "about {total}") : undefined;
  if (!progress?.active) return previewTarget(deps, target);
  try {
    let answer = await previewTarget(deps, target, { budgetMs: 250 });
    while (answer.counting) {
      progress.update(Math.floor(answer.counting.walked * 100), 100, { total: answer.total });
      const resume = PreviewInputSchema.parse({ resume: answer.counting.resume }).resume;
      answer = await previewTarget(deps, target, { budgetMs: 250, resume });
    }
    progress.update(100, 100, { total: answer.total });
    return answer;
  } finally {
    progress.stop();
  }
}

async function runBroadcast(req: BroadcastRequest, opts: BroadcastOptions): Promise<number> {
  return withRuntime(async (rt) => {
    if (opts.dryRun) {
      const preview = await previewWithProgress(rt.query, req.target);
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
    // Scheduled: a server's worker sends it at its time; nothing to follow now.
    if (opts.wait === false || req.sendAt) {
      out(sent.id);
      note(`broadcast ${sent.id}: ${sent.status}${req.sendAt ? ` for ${req.sendAt}` : ""}`);
      if ((await countWorkers(rt.deps)) === 0)
        note("no Herald server is running: it runs when one starts (or send it again without --no-wait)");
      return EXIT_OK;
    }
    // No server to run it: run it here, as the legacy management command did.
    const local = await localWorkerIfNone(rt);
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
