import type { ChildProcess } from "node:child_process";
import { ask, forkHelper } from "./children";
import type { LatencySummary } from "./stats";

/** The other Redis client (probe.ts in its own process): GET latency recorded per named phase. */
export async function startProbe(redisUrl: string) {
  const child: ChildProcess = forkHelper("probe.ts", [redisUrl]);
  await ask(child, null, (m) => (m.ready ? true : undefined));
  return {
    /** Start recording into `name`, or stop recording (null). */
    phase: (name: string | null) => ask(child, { phase: name }, (m) => (m.ok ? true : undefined)),
    report: () => ask(child, { report: true }, (m) => m.phases as Record<string, LatencySummary> | undefined),
    stop: () => child.send({ exit: true }),
  };
}
export type Probe = Awaited<ReturnType<typeof startProbe>>;
