import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CeilingCommand {
  name: string;
  args: string[];
  /** Extra redis-benchmark flags (key space, request count). */
  flags: string[];
}

export interface CeilingResult {
  /** requests/s of each command, pipelined. */
  rates: Record<string, number>;
  /** Sessions/s if each session needed exactly these commands at these rates. */
  sessionsPerSec: number;
  /** The reference definition: `-t rpush -P 64` ÷ 3 writes per session. */
  rpushDiv3: number;
}

export async function hasRedisBenchmark(): Promise<boolean> {
  try {
    await run("redis-benchmark", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

async function rps(socket: string, flags: string[], cmd: string[]): Promise<number> {
  const { stdout } = await run(
    "redis-benchmark",
    ["-s", socket, "-P", "64", "-q", "--csv", ...flags, ...cmd],
    {
      maxBuffer: 1 << 20,
    },
  );
  // --csv: a header line, then "test","rps" and 6 latency columns; the test name may hold commas.
  const fields = (stdout.trim().split("\n").pop() ?? "").split(",");
  const n = Number(fields[fields.length - 7]?.replace(/"/g, ""));
  if (!Number.isFinite(n)) throw new Error(`unexpected redis-benchmark output: ${stdout}`);
  return n;
}

/**
 * The Redis ceiling for one session's writes: each write a session needs (append to its
 * own list, set the list's TTL, write its delivery record) measured alone with
 * `redis-benchmark -P 64` on distinct keys and a payload of the real size, then combined:
 * 1 / Σ(1/rate). Keys live under `bench:ceiling:` (never a session key).
 */
export async function measureCeiling(
  socket: string,
  payload: string,
  record: string,
): Promise<CeilingResult> {
  const keySpace = "200000";
  const commands: CeilingCommand[] = [
    {
      name: "RPUSH",
      flags: ["-n", "1000000", "-r", keySpace],
      args: ["RPUSH", "bench:ceiling:l:__rand_int__", payload],
    },
    {
      name: "EXPIRE",
      flags: ["-n", "1000000", "-r", keySpace],
      args: ["EXPIRE", "bench:ceiling:l:__rand_int__", "604800"],
    },
    {
      name: "HSETNX",
      flags: ["-n", "1000000", "-r", "100000000"],
      args: ["HSETNX", "bench:ceiling:h", "__rand_int__", record],
    },
  ];
  const rates: Record<string, number> = {};
  let inverse = 0;
  for (const c of commands) {
    rates[c.name] = await rps(socket, c.flags, c.args);
    inverse += 1 / rates[c.name]!;
  }
  const rpushT = await rps(socket, ["-n", "1000000"], ["-t", "rpush"]);
  rates["RPUSH (-t rpush)"] = rpushT;
  return { rates, sessionsPerSec: 1 / inverse, rpushDiv3: rpushT / 3 };
}
