import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { createRedis, type HeraldRedis, redisOptionsFromUrl } from "../../lib/redis/connection";
import { spawnRedisServer } from "../../server/embedded-redis";

export interface TestRedis {
  /** `unix://<socket>` of this file's own redis-server. */
  url: string;
  /** A Herald connection (scripts registered) to it. */
  redis: HeraldRedis;
  /** The temp directory holding the socket; removed by stop(). */
  dir: string;
  /** The redis-server's pid (changes with restart()). */
  pid(): number;
  /**
   * Stop redis-server (SIGTERM: it writes its AOF and exits; SIGKILL: it dies where it is) and
   * start a new process on the same socket and data: a new run_id, the data its AOF kept.
   */
  restart(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private, throw-away redis-server for one test file: unix socket in a fresh temp dir,
 * nothing shared with other files or with a developer's Redis. `persist` turns the AOF on
 * (restart() then keeps the data, as a production Redis would).
 */
export async function startTestRedis(opts: { persist?: boolean } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "herald-redis-"));
  const socketPath = path.join(dir, "redis.sock");
  const spawnIt = () => spawnRedisServer({ dir, socketPath, persist: opts.persist === true });
  let server: Awaited<ReturnType<typeof spawnRedisServer>>;
  try {
    server = await spawnIt();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const url = `unix://${socketPath}`;
  const redis = createRedis("test", url);
  return {
    url,
    redis,
    dir,
    pid: () => server.pid,
    async restart(signal = "SIGTERM") {
      if (signal === "SIGKILL") process.kill(server.pid, "SIGKILL");
      await server.stop();
      server = await spawnIt();
    },
    async stop() {
      await redis.quit().catch(() => redis.disconnect());
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CommandMonitor {
  /** Stop monitoring; resolves with the names (upper case) of every command seen, in order. */
  stop(): Promise<string[]>;
  /** The arguments (name first) of every command of that name seen so far, in order. */
  calls(name: string): string[][];
}

/**
 * Record every command the server executes (MONITOR also shows commands run inside Lua
 * scripts), e.g. to prove that KEYS is never sent: `expect(await mon.stop()).not.toContain("KEYS")`.
 */
export async function monitorCommands(url: string): Promise<CommandMonitor> {
  const client = new Redis({ ...redisOptionsFromUrl(url), lazyConnect: true });
  client.on("error", () => {});
  const monitor = await client.monitor();
  monitor.on("error", () => {});
  const names: string[] = [];
  const all: string[][] = [];
  const sentinel = `herald-monitor-end-${process.pid}-${Date.now()}`;
  let sawSentinel: () => void = () => {};
  const sentinelSeen = new Promise<void>((resolve) => {
    sawSentinel = resolve;
  });
  monitor.on("monitor", (_time: string, args: string[]) => {
    if (args[0]?.toUpperCase() === "ECHO" && args[1] === sentinel) sawSentinel();
    else if (args[0] !== undefined) {
      names.push(args[0].toUpperCase());
      all.push(args);
    }
  });
  return {
    calls: (name) => all.filter((a) => a[0]?.toUpperCase() === name.toUpperCase()),
    async stop() {
      // Redis feeds monitors in execution order: once our own ECHO shows up, every command
      // that completed before stop() was called has been seen.
      await sendRaw(url, `ECHO ${sentinel}\r\n`);
      // Not seen in time: fail loudly, or a "nothing happened" check would pass on a partial list.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the command monitor missed its sentinel")), 10_000);
      });
      try {
        await Promise.race([sentinelSeen, late]);
      } finally {
        clearTimeout(timer);
      }
      monitor.disconnect();
      client.disconnect();
      return names;
    },
  };
}

/** One inline command on a bare socket, so the sentinel brings no client handshake noise. */
function sendRaw(url: string, line: string): Promise<void> {
  const opts = redisOptionsFromUrl(url);
  return new Promise((resolve, reject) => {
    const sock = opts.path
      ? net.createConnection({ path: opts.path })
      : net.createConnection({ host: opts.host ?? "127.0.0.1", port: opts.port ?? 6379 });
    sock.once("connect", () => sock.write(line));
    sock.once("data", () => {
      sock.end();
      resolve();
    });
    sock.once("error", reject);
  });
}
