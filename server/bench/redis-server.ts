import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { resetConfig } from "../../lib/config";
import { type Deps, getDeps } from "../../lib/context";
import { spawnRedisServer } from "../embedded-redis";

export interface BenchRedis {
  /** unix:///… URL of the socket. */
  url: string;
  socket: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * A throw-away redis-server for one bench run (Herald's own launcher): unix socket in a temp
 * dir, no AOF and no RDB, so nothing else touches it and no disk write disturbs the timings.
 */
export async function startBenchRedis(): Promise<BenchRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), "herald-bench-"));
  const socket = path.join(dir, "redis.sock");
  try {
    const server = await spawnRedisServer({ dir, socketPath: socket, persist: false });
    return {
      url: `unix://${socket}`,
      socket,
      pid: server.pid,
      stop: async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Point this process's lib at the bench Redis (quiet logs unless LOG_LEVEL says otherwise). */
export function depsOnBenchRedis(redis: BenchRedis): Deps {
  process.env.REDIS_URL = redis.url;
  process.env.LOG_LEVEL ??= "warn";
  resetConfig();
  return getDeps();
}
