import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { LegacyResult } from "./legacy";

const here = path.dirname(fileURLToPath(import.meta.url));

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
  let gotResult: (r: LegacyResult) => void = () => {};
  let gotUndone: () => void = () => {};
  let failed: (e: Error) => void = () => {};
  const result = new Promise<LegacyResult>((resolve, reject) => {
    gotResult = resolve;
    failed = reject;
  });
  const undone = new Promise<void>((resolve, reject) => {
    gotUndone = resolve;
    const prev = failed;
    failed = (e) => {
      prev(e);
      reject(e);
    };
  });
  undone.catch(() => {});
  createInterface({ input: child.stdout }).on("line", (line) => {
    const m = JSON.parse(line) as { result?: LegacyResult; undone?: boolean };
    if (m.result) gotResult(m.result);
    if (m.undone) gotUndone();
  });
  child.once("exit", (code) => failed(new Error(`legacy.py exited with ${code}`)));
  return { result, undone };
}
