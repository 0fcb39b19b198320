import type { Command } from "commander";
import { z } from "zod";
import { clearDemoSessions, DEFAULT_DEMO_PREFIX, seedDemoSessions } from "../../lib/sessions/demo";
import { createProgress } from "./progress";
import { note, out, printJson, usageErrorFromZod, withRuntime } from "./runtime";

const SeedArgsSchema = z.object({
  sessions: z.coerce.number().int("must be a whole number").min(1).max(10_000_000),
  emptyRatio: z.coerce.number().min(0).max(1),
  messages: z.coerce.number().int("must be a whole number").min(1).max(1000),
  ttl: z.coerce.number().int("must be a whole number").min(0).max(31_536_000).optional(),
  prefix: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "letters, digits, '_' and '-' (1-32)"),
});

const FIELDS = {
  sessions: "--sessions",
  emptyRatio: "--empty-ratio",
  messages: "--messages",
  ttl: "--ttl",
  prefix: "--prefix",
};

export function registerDemo(program: Command): void {
  const demo = program.command("demo").description("demo data");

  demo
    .command("seed")
    .description("fill Redis with demo sessions, some empty (data key only), some with user messages")
    .requiredOption(
      "--sessions <n>",
      "how many sessions to create (up to millions; written in pipelined chunks)",
    )
    .option("--empty-ratio <r>", "share of sessions without a message list, 0..1", "0.5")
    .option("--messages <m>", "user messages in each non-empty session", "5")
    .option("--ttl <seconds>", "TTL of the demo keys (default HERALD_SESSION_TTL_SECONDS; 0: none)")
    .option("--prefix <prefix>", "start of every demo session id", DEFAULT_DEMO_PREFIX)
    .option("--json", "print the result as JSON")
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const parsed = SeedArgsSchema.safeParse(opts);
      if (!parsed.success) throw usageErrorFromZod(parsed.error, FIELDS);
      const args = parsed.data;
      await withRuntime(async ({ deps }) => {
        const progress = createProgress("Seeding");
        let result: Awaited<ReturnType<typeof seedDemoSessions>>;
        try {
          result = await seedDemoSessions(deps.redis, deps.keys, {
            sessions: args.sessions,
            emptyRatio: args.emptyRatio,
            messages: args.messages,
            ttlSeconds: args.ttl ?? deps.config.HERALD_SESSION_TTL_SECONDS,
            idPrefix: args.prefix,
            onProgress: (done, total) => progress.update(done, total),
          });
        } finally {
          progress.stop();
        }
        if (opts.json) return printJson(result);
        out(
          `Seeded ${result.sessions} demo sessions: ${result.empty} empty, ${result.withMessages} with ` +
            `${args.messages} messages each (${(result.ms / 1000).toFixed(1)} s)`,
        );
        if (result.sampleIds[0]) note(`e.g. ${deps.keys.sessionData(result.sampleIds[0])}`);
      });
    });

  demo
    .command("clear")
    .description("delete the demo sessions (ids starting with --prefix), walking with SCAN")
    .option("--prefix <prefix>", "start of the demo session ids", DEFAULT_DEMO_PREFIX)
    .option("--json", "print the result as JSON")
    .action(async (opts: { prefix: string; json?: boolean }) => {
      const prefix = z.object({ prefix: SeedArgsSchema.shape.prefix }).safeParse(opts);
      if (!prefix.success) throw usageErrorFromZod(prefix.error, FIELDS);
      await withRuntime(async ({ deps }) => {
        const deleted = await clearDemoSessions(deps.redis, deps.keys, {
          idPrefix: prefix.data.prefix,
          scanCount: deps.config.HERALD_SCAN_COUNT,
        });
        if (opts.json) return printJson({ deletedKeys: deleted });
        out(`Deleted ${deleted} demo keys (prefix ${deps.keys.sessionData(prefix.data.prefix)})`);
      });
    });
}
