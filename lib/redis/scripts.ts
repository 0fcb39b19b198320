import { readFileSync } from "node:fs";
import path from "node:path";
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
} as const;

type Arg = string | Buffer | number;

export interface ScriptCommands {
  /** numkeys, ...keys, ...argv — see fanout.lua */
  heraldFanout(numkeys: number, ...args: Arg[]): Promise<string[]>;
  /** numkeys, ...keys, ...argv — see record-deliveries.lua */
  heraldRecordDeliveries(numkeys: number, ...args: Arg[]): Promise<number[]>;
  /** numkeys, ...keys, ...argv — see mark-deliveries.lua */
  heraldMarkDeliveries(numkeys: number, ...args: Arg[]): Promise<string>;
}

let sources: Record<string, string> | undefined;
function loadSources(): Record<string, string> {
  sources ??= Object.fromEntries(
    Object.entries(SCRIPTS).map(([name, file]) => [
      name, // The route-handler bundle has no stable __dirname; the project root is the working
      // directory of the server, the CLI and the tests alike.
      readFileSync(path.join(process.cwd(), "lib", "redis", "scripts", file), "utf8"),
    ]),
  );
  return sources;
}

export function registerScripts<T extends Redis>(client: T): T & ScriptCommands {
  for (const [name, lua] of Object.entries(loadSources())) {
    client.defineCommand(name, { lua });
  }
  return client as T & ScriptCommands;
}
