// Bad configuration, as an operator meets it: the server and the CLI (real processes) print one
// line per problem and exit 2 ("bad usage or configuration", as `herald --help` says), with no
// stack trace. Neither gets as far as Redis or Next, so no build and no redis-server are needed.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, runCli } from "../helpers/server";

const BAD_ENV = { LOG_LEVEL: "bogus", HERALD_FANOUT_BATCH: "lots" };

/** Run the server entry (`node --import tsx server/index.ts`) until it exits by itself. */
function runServer(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
      cwd: PROJECT_ROOT,
      // Nowhere to connect: a server that got past its configuration would not exit by itself.
      env: { ...process.env, NODE_ENV: "production", REDIS_URL: "redis://127.0.0.1:1", PORT: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      output += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      output += c;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the server did not exit on bad configuration\n${output}`));
    }, 30_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** One header line, then exactly one line per bad variable, and nothing that looks like a stack. */
function expectCleanReport(text: string, prefix: string) {
  const lines = text.trimEnd().split("\n");
  expect(lines[0]).toBe(`${prefix}Invalid configuration:`);
  expect(lines.slice(1).map((l) => l.trim().split(":")[0])).toEqual(["HERALD_FANOUT_BATCH", "LOG_LEVEL"]);
  expect(lines.find((l) => l.startsWith("  LOG_LEVEL:"))).toMatch(/expected one of .*"info"/);
  expect(text).not.toMatch(/\n\s+at |Error:|node_modules/);
}

describe("bad configuration", () => {
  it("the server prints one line per problem and exits 2, no stack trace", async () => {
    const r = await runServer(BAD_ENV);
    expect(r.code).toBe(2);
    expectCleanReport(r.output, "");
  });

  it("LOG_LEVEL alone is reported the same way (pino never sees it)", async () => {
    const r = await runServer({ LOG_LEVEL: "bogus" });
    expect(r.code).toBe(2);
    expect(r.output.trimEnd().split("\n")).toEqual([
      "Invalid configuration:",
      expect.stringMatching(/^ {2}LOG_LEVEL: Invalid option: expected one of /),
    ]);
  });

  it("the CLI prints one line per problem on stderr and exits 2, no stack trace", async () => {
    const r = await runCli(["sessions"], { REDIS_URL: "redis://127.0.0.1:1", ...BAD_ENV });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expectCleanReport(r.stderr, "error: ");
  });
});
