// The Herald CLI: `npm run -s herald -- <command>` (node --import tsx server/cli.ts).
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerAdmin } from "./cli/admin";
import { registerBroadcast } from "./cli/broadcast";
import { registerDemo } from "./cli/demo";
import { EXIT_OK, EXIT_USAGE, installCliLogger, reportError, USAGE_HINT } from "./cli/runtime";
import { registerSessions } from "./cli/sessions";
import { registerToken } from "./cli/token";

/** Herald's version, as package.json says. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command("herald")
    .description("Broadcast system messages to every session of a Redis-backed chat app")
    .version(version(), "-V, --version", "print Herald's version")
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError(USAGE_HINT)
    // Commander's usage errors exit 1 by default; ours are 2. Set before the subcommands inherit it.
    .exitOverride()
    .addHelpText(
      "after",
      `
Redis: REDIS_CLUSTER_NODES (a Redis Cluster) or REDIS_URL when set, else the embedded Redis under HERALD_DATA_DIR (reused when the server runs).
Exit status: 0 ok, 1 failure, 2 bad usage or configuration.`,
    );
  registerBroadcast(program);
  registerSessions(program);
  registerToken(program);
  registerAdmin(program);
  registerDemo(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  installCliLogger();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exit code 0; everything else commander reports is usage.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    return reportError(err);
  }
}

const code = await main(process.argv);
// Everything is closed by now; exit explicitly so a stray handle cannot keep the shell waiting.
process.exit(code);
