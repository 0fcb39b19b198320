import type { Deps } from "../context";
import type { BroadcastRequest, BroadcastSummary } from "../schemas/broadcast";
import { createBroadcast } from "./create";
import { type RunOptions, runBroadcast } from "./run";

/**
 * Create a broadcast and run it to its end in this process, without the job queue: what the
 * benchmarks and the fan-out tests time and check. The API and the CLI go through jobs
 * (lib/broadcasts/submit.ts), which run this same code on a worker.
 */
export async function sendBroadcast(
  deps: Deps,
  req: BroadcastRequest,
  author: string,
  opts: RunOptions = {},
): Promise<BroadcastSummary> {
  const { id } = await createBroadcast(deps, req, author);
  return runBroadcast(deps, id, opts);
}

/** Continue an interrupted broadcast from its last saved point, in this process. */
export function resumeBroadcast(deps: Deps, id: string, opts: RunOptions = {}): Promise<BroadcastSummary> {
  return runBroadcast(deps, id, opts);
}
