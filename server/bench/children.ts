import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const running = new Set<ChildProcess>();

/** Fork one of the bench's helper scripts (seed-child, probe, legacy, live-clients) under tsx. */
export function forkHelper(file: string, args: string[]): ChildProcess {
  // Explicit execArgv: a --cpu-prof given to the bench must not profile the helpers too.
  const child = fork(path.join(here, file), args, { execArgv: ["--import", "tsx"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/** Send `msg` (unless null) and wait for the first message `pick` accepts; fails if the child exits first. */
export function ask<T>(
  child: ChildProcess,
  msg: object | null,
  pick: (m: Record<string, unknown>) => T | undefined,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench helper exited with ${code}`));
    const onMsg = (m: Record<string, unknown>) => {
      const v = pick(m);
      if (v === undefined) return;
      child.off("message", onMsg);
      child.off("exit", onExit);
      resolve(v);
    };
    child.on("message", onMsg);
    child.once("exit", onExit);
    if (msg) child.send(msg);
  });
}

/** Stop the helpers still running (they also exit by themselves when the bench goes away). */
export function killHelpers(): void {
  for (const c of running) c.kill();
}
