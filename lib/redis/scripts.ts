import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";

/**
 * Lua scripts live as files in lib/redis/scripts/ (each opens with a header: KEYS, ARGV,
 * Output). They are registered on every connection by name; ioredis sends EVALSHA and
 * falls back to EVAL once per connection.
 */
const SCRIPTS = {
  heraldFanout: "fanout.lua",
  heraldRecordDeliveries: "record-deliveries.lua",
  heraldMarkDeliveries: "mark-deliveries.lua",
  heraldCreateBroadcast: "create-broadcast.lua",
  heraldSetStatus: "set-status.lua",
  heraldRetract: "retract.lua",
  heraldRateLimit: "rate-limit.lua",
  heraldAppendUserMessage: "append-user-message.lua",
} as const;

type Arg = string | Buffer | number;

export interface ScriptCommands {
  /** numkeys, ...keys, ...argv — see fanout.lua */
  heraldFanout(numkeys: number, ...args: Arg[]): Promise<string[]>;
  /** numkeys, ...keys, ...argv — see record-deliveries.lua */
  heraldRecordDeliveries(numkeys: number, ...args: Arg[]): Promise<number[]>;
  /** numkeys, ...keys, ...argv — see mark-deliveries.lua */
  heraldMarkDeliveries(numkeys: number, ...args: Arg[]): Promise<string>;
  /** numkeys, ...keys, ...argv — see create-broadcast.lua */
  heraldCreateBroadcast(numkeys: number, ...args: Arg[]): Promise<[string, string?]>;
  /** numkeys, ...keys, ...argv — see set-status.lua */
  heraldSetStatus(numkeys: number, ...args: Arg[]): Promise<[number, string]>;
  /** numkeys, ...keys, ...argv — see retract.lua */
  heraldRetract(numkeys: number, ...args: Arg[]): Promise<number>;
  /** numkeys, ...keys, ...argv — see rate-limit.lua */
  heraldRateLimit(numkeys: number, ...args: Arg[]): Promise<[number, number, number]>;
  /** numkeys, ...keys, ...argv — see append-user-message.lua */
  heraldAppendUserMessage(numkeys: number, ...args: Arg[]): Promise<[number, number]>;
}

/**
 * Where the .lua files are: beside this module (the server, the CLI and the tests run it from its
 * source, whatever their working directory). The route-handler bundle runs from .next/, where no
 * such folder exists; it shares the server's process, so it normally reuses what the server
 * loaded (cached on globalThis), and otherwise falls back to the project root.
 */
function scriptsDir(): string {
  const candidates: string[] = [];
  try {
    candidates.push(path.join(path.dirname(fileURLToPath(import.meta.url)), "scripts"));
  } catch {
    // import.meta.url is not a file URL in this bundle
  }
  candidates.push(path.join(process.cwd(), "lib", "redis", "scripts"));
  // turbopackIgnore: a runtime look-up, not a file for the bundle (it would trace the whole project).
  const found = candidates.find((dir) =>
    existsSync(/*turbopackIgnore: true*/ path.join(dir, SCRIPTS.heraldFanout)),
  );
  if (!found) throw new Error(`Herald's Lua scripts were not found (looked in ${candidates.join(", ")})`);
  return found;
}

const SOURCES = Symbol.for("herald.redis.scripts");
type Holder = { [SOURCES]?: Record<string, string> };

function loadSources(): Record<string, string> {
  const g = globalThis as Holder;
  if (!g[SOURCES]) {
    const dir = scriptsDir();
    g[SOURCES] = Object.fromEntries(
      Object.entries(SCRIPTS).map(([name, file]) => [
        name,
        readFileSync(/*turbopackIgnore: true*/ path.join(dir, file), "utf8"),
      ]),
    );
  }
  return g[SOURCES];
}

export function registerScripts<T extends Redis>(client: T): T & ScriptCommands {
  for (const [name, lua] of Object.entries(loadSources())) {
    client.defineCommand(name, { lua });
  }
  return client as T & ScriptCommands;
}
