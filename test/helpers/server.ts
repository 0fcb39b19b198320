import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The project root: the server, the CLI and the Lua script loader all expect it as cwd. */
export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export const TEST_AUTH_SECRET = "herald-test-secret-0123456789abcdef";
export const TEST_ADMIN_EMAIL = "admin@example.com";
export const TEST_ADMIN_PASSWORD = "test-password-123";

const HEALTH_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const MAX_LOG_CHARS = 1_000_000;

export interface TestServer {
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  port: number;
  /** The server process's pid. */
  pid: number;
  /** The server's stdout and stderr so far (the last ~1 MB). */
  logs(): string;
  /** Kill it where it stands (SIGKILL: no shutdown, as a crash or an OOM kill); keeps the data dir. */
  kill(): Promise<void>;
  /** SIGTERM (SIGKILL after 10 s), then remove the temp data dir. */
  stop(): Promise<void>;
}

/** Per-address limits high enough for a test suite that opens thousands of chats from one address. */
export const RELAXED_LIMITS: Record<string, string> = {
  HERALD_NEW_SESSIONS_BURST: "1000000",
  HERALD_ADDRESS_MESSAGES_BURST: "1000000",
};

/**
 * Run the real production server (`node --import tsx server/index.ts`, needs a prior
 * `next build`) against the given Redis, on a free port, and wait until /api/health says 200.
 */
export async function startTestServer(opts: {
  redisUrl: string;
  env?: Record<string, string>;
}): Promise<TestServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "herald-server-"));
  const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
    cwd: PROJECT_ROOT,
    env: {
      ...childEnv(),
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      REDIS_URL: opts.redisUrl,
      HERALD_DATA_DIR: dataDir,
      AUTH_SECRET: TEST_AUTH_SECRET,
      NEXTAUTH_URL: baseUrl,
      ADMIN_EMAIL: TEST_ADMIN_EMAIL,
      ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      // Every test client comes from 127.0.0.1: the per-address limits are tested on their own
      // (test/integration/limits.test.ts), and would otherwise trip the suites that open many chats.
      ...RELAXED_LIMITS,
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = collectOutput(child);
  const exited = exitPromise(child);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await waitHealthy(baseUrl, child, output.text);
  } catch (err) {
    await stop();
    throw err;
  }
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  return { baseUrl, port, pid: child.pid!, logs: output.text, kill, stop };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run the CLI (`node --import tsx server/cli.ts ...args`) to completion. `env` is merged over
 * this process's environment; set REDIS_URL (or HERALD_DATA_DIR) to choose the Redis.
 */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "server/cli.ts", ...args], {
      cwd: PROJECT_ROOT,
      env: { ...childEnv(), ...env },
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr?.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`herald ${args.join(" ")} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port nobody listens on right now (the OS picks it; we release it for the server). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === "object" ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** This process's environment without vitest's markers (the child is not a test worker). */
function childEnv(): NodeJS.ProcessEnv {
  // Cast: Next's types declare NODE_ENV required; children may well run without it.
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST") && k !== "TEST" && k !== "NODE_ENV"),
  ) as NodeJS.ProcessEnv;
}

function collectOutput(child: ChildProcess): { text: () => string } {
  let buf = "";
  const add = (chunk: string) => {
    buf += chunk;
    if (buf.length > MAX_LOG_CHARS) buf = buf.slice(buf.length - MAX_LOG_CHARS);
  };
  child.stdout?.setEncoding("utf8").on("data", add);
  child.stderr?.setEncoding("utf8").on("data", add);
  return { text: () => buf };
}

function exitPromise(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

async function waitHealthy(baseUrl: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `server exited before it was healthy (code ${child.exitCode}, signal ${child.signalCode})\n--- server output ---\n${logs()}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `server not healthy after ${HEALTH_TIMEOUT_MS / 1000}s (last: ${last})\n--- server output ---\n${logs()}`,
  );
}
