import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import type { Logger } from "pino";

/**
 * The embedded Redis: when REDIS_URL is unset, Herald runs its own redis-server as a child
 * process, reachable only through a unix socket under the data directory (no TCP port), with
 * its AOF there too so data survives a restart. A second Herald process (the CLI while the
 * server runs) finds the socket answering and reuses that Redis instead of starting another.
 */
export interface EmbeddedRedis {
  /** `unix://<absolute socket path>`, accepted by createRedis and REDIS_URL. */
  url: string;
  /** True when this process started the redis-server (and must stop it). */
  owned: boolean;
  /** pid of the redis-server this process started (undefined when reused). */
  pid?: number;
  /** Stop the redis-server this process started; a no-op when reused. */
  stop(): Promise<void>;
}

const READY = /ready to accept connections/i;
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;
// sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH_BYTES = 107;
const NOT_FOUND =
  "redis-server not found: install it (Debian: apt-get install -y redis-server) or set REDIS_URL";

export async function ensureEmbeddedRedis(opts: { dataDir: string; log: Logger }): Promise<EmbeddedRedis> {
  const dir = path.resolve(opts.dataDir, "redis");
  const socketPath = path.join(dir, "redis.sock");
  const url = `unix://${socketPath}`;

  if (await socketAnswers(socketPath)) {
    opts.log.info({ socket: socketPath }, "reusing the embedded redis already running");
    return { url, owned: false, stop: async () => {} };
  }

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const server = await spawnRedisServer({
    dir,
    socketPath,
    persist: true,
    log: opts.log,
  });
  opts.log.info({ socket: socketPath, pid: server.pid }, "embedded redis started");
  return { url, owned: true, pid: server.pid, stop: server.stop };
}

export interface SpawnedRedis {
  pid: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

/**
 * Start redis-server in the foreground on a unix socket only and wait until it accepts
 * connections. Shared by the embedded Redis and the test helpers (persist=false).
 * The child is killed when this process exits, and on SIGINT/SIGTERM when nobody else
 * handles those signals (a caller that handles them is expected to call stop()).
 */
export async function spawnRedisServer(opts: {
  dir: string;
  socketPath: string;
  persist: boolean;
  log?: Logger;
  /** More redis-server options, after the defaults (a later one wins: `--port 6390`, cluster mode). */
  extraArgs?: string[];
}): Promise<SpawnedRedis> {
  if (Buffer.byteLength(opts.socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `redis socket path too long (${Buffer.byteLength(opts.socketPath)} bytes, max ${MAX_SOCKET_PATH_BYTES}): ${opts.socketPath}; use a shorter HERALD_DATA_DIR`,
    );
  }
  const bin = findRedisServer();
  const args = [
    "--port",
    "0",
    "--unixsocket",
    opts.socketPath,
    "--unixsocketperm",
    "700",
    "--dir",
    opts.dir,
    "--appendonly",
    opts.persist ? "yes" : "no",
    "--save",
    "",
    "--daemonize",
    "no",
    "--protected-mode",
    "yes",
    "--logfile",
    "",
    ...(opts.extraArgs ?? []),
  ];
  // Its own process group: a Ctrl-C or a supervisor's group SIGTERM reaches Herald, which closes
  // its connections first and then stops Redis (stop()), instead of Redis dying under it.
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  const tail: string[] = [];
  const onLine = (line: string) => {
    if (!line) return;
    tail.push(line);
    if (tail.length > 20) tail.shift();
    // Redis logs even its start-up banner at warning level ('#'): only real trouble is a warning here.
    if (/\b(error|fatal|failed|can't|cannot|unable)\b/i.test(line))
      opts.log?.warn({ redis: line }, "redis-server");
    else opts.log?.debug({ redis: line }, "redis-server");
  };
  forEachLine(child, onLine);

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  const unhook = killWithParent(child);

  try {
    await waitReady(child, tail, bin);
  } catch (err) {
    child.kill("SIGKILL");
    await exited;
    unhook();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      unhook();
    })();
    return stopping;
  };
  child.once("exit", (code, signal) => {
    if (!stopping) opts.log?.error({ code, signal, tail }, "redis-server exited unexpectedly");
  });
  return { pid: child.pid!, stop };
}

/** HERALD_REDIS_SERVER, else redis-server on PATH, else the usual install locations. */
export function findRedisServer(env: Record<string, string | undefined> = process.env): string {
  const explicit = env.HERALD_REDIS_SERVER;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new Error(`HERALD_REDIS_SERVER=${explicit} is not an executable file; ${NOT_FOUND}`);
  }
  const candidates = [
    ...(env.PATH ?? "")
      .split(path.delimiter)
      .filter(Boolean)
      .map((d) => path.join(d, "redis-server")),
    "/usr/bin/redis-server",
    "/usr/local/bin/redis-server",
  ];
  const found = candidates.find(isExecutable);
  if (!found) throw new Error(NOT_FOUND);
  return found;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when something answers a RESP PING on the socket (+PONG, or an error such as -LOADING). */
export function socketAnswers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.createConnection({ path: socketPath });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once("connect", () => sock.write("PING\r\n"));
    sock.once("data", (buf) => done(buf[0] === 0x2b /* + */ || buf[0] === 0x2d /* - */));
    sock.once("error", () => done(false));
    sock.once("close", () => done(false));
  });
}

function forEachLine(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buf = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buf += chunk;
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const l of lines) onLine(l.trimEnd());
    });
    stream?.on("end", () => {
      if (buf) onLine(buf.trimEnd());
      buf = "";
    });
  }
}

function waitReady(child: ChildProcess, tail: string[], bin: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const lastLines = () => (tail.length ? `\n--- last redis-server output ---\n${tail.join("\n")}` : "");
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
    };
    const onData = (chunk: string | Buffer) => {
      if (READY.test(String(chunk)) || tail.some((l) => READY.test(l))) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      // Let the stream flush its last lines into `tail` before reporting them.
      setImmediate(() =>
        reject(
          new Error(
            `redis-server (${bin}) exited before it was ready (code ${code}, signal ${signal})${lastLines()}`,
          ),
        ),
      );
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new Error(`could not start redis-server (${bin}): ${err.message}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`redis-server (${bin}) not ready after ${READY_TIMEOUT_MS / 1000}s${lastLines()}`));
    }, READY_TIMEOUT_MS);
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  });
}

/**
 * Make children die with this process. 'exit' handlers must be synchronous, so kill() (a
 * signal, not a wait) is all they can do. On SIGINT/SIGTERM, if no one else listens, Node
 * would die without running 'exit' handlers: kill the children, then re-raise the signal so
 * the process still ends the default way. One set of hooks serves every child.
 */
const children = new Set<ChildProcess>();

function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  }
}

function onParentSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return; // the caller shuts down and calls stop()
  killChildren();
  children.clear();
  setHooks(false);
  process.kill(process.pid, signal);
}

function setHooks(on: boolean): void {
  const method = on ? "on" : "off";
  process[method]("exit", killChildren);
  process[method]("SIGINT", onParentSignal);
  process[method]("SIGTERM", onParentSignal);
}

/** Returns a function that forgets the child (once it has been stopped). */
function killWithParent(child: ChildProcess): () => void {
  if (children.size === 0) setHooks(true);
  children.add(child);
  return () => {
    if (children.delete(child) && children.size === 0) setHooks(false);
  };
}
