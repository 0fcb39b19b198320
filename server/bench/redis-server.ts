import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { resetConfig } from "../../lib/config";
import { type Deps, getDeps } from "../../lib/context";
import { spawnRedisServer } from "../embedded-redis";

export interface BenchRedis {
  /** unix:///… URL of the socket. */
  url: string;
  /** redis://127.0.0.1:<port>, the same server over TCP (as the legacy app reached it), when asked for. */
  tcpUrl?: string;
  socket: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * A throw-away redis-server for one bench run (Herald's own launcher): unix socket in a temp
 * dir, no AOF and no RDB, so nothing else touches it and no disk write disturbs the timings.
 */
export async function startBenchRedis(opts: { tcp?: boolean } = {}): Promise<BenchRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), "herald-bench-"));
  const socket = path.join(dir, "redis.sock");
  try {
    const port = opts.tcp ? await freePort() : 0;
    const server = await spawnRedisServer({
      dir,
      socketPath: socket,
      persist: false,
      // Loopback only: the legacy loop's TCP round trips, never reachable from elsewhere.
      ...(port ? { extraArgs: ["--port", String(port), "--bind", "127.0.0.1"] } : {}),
    });
    return {
      url: `unix://${socket}`,
      ...(port ? { tcpUrl: `redis://127.0.0.1:${port}` } : {}),
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

/** A TCP port free on the loopback right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Point this process's lib at the bench Redis (quiet logs unless LOG_LEVEL says otherwise). */
export function depsOnBenchRedis(redis: BenchRedis): Deps {
  process.env.REDIS_URL = redis.url;
  process.env.LOG_LEVEL ??= "warn";
  resetConfig();
  return getDeps();
}
