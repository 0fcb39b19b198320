import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { LegacyResult } from "./legacy";

const here = path.dirname(fileURLToPath(import.meta.url));

/** What legacy.py prints, one JSON object per line. */
interface LegacyMessage {
  result?: LegacyResult;
  undone?: boolean;
}

/** A Python 3 that has redis-py (Debian: python3-redis), or undefined. */
export function findPython(): string | undefined {
  for (const bin of ["python3", "/usr/bin/python3"]) {
    if (spawnSync(bin, ["-c", "import redis"], { stdio: "ignore" }).status === 0) return bin;
  }
  return undefined;
}

/**
 * Run legacy.py (the legacy loop in the legacy app's own language and client). Resolves
 * `result` once the timed part is done and `undone` once its writes are taken back.
 */
export function runPythonLegacy(
  python: string,
  args: string[],
): { result: Promise<LegacyResult>; undone: Promise<void> } {
  const child = spawn(python, [path.join(here, "legacy.py"), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  // Exiting before a message came is a failure; after it, the race is already decided.
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`legacy.py exited with ${code}`))),
  );
  exited.catch(() => {});
  const message = <K extends "result" | "undone">(key: K) =>
    Promise.race([
      new Promise<NonNullable<LegacyMessage[K]>>((resolve) =>
        lines.on("line", (line) => {
          const value = (JSON.parse(line) as LegacyMessage)[key];
          if (value) resolve(value);
        }),
      ),
      exited,
    ]);
  const result = message("result");
  const undone = message("undone").then(() => {});
  undone.catch(() => {});
  return { result, undone };
}
