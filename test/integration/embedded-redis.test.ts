import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createRedis } from "../../lib/redis/connection";
import { ensureEmbeddedRedis, findRedisServer, socketAnswers } from "../../server/embedded-redis";
import { waitFor } from "../helpers/herald";
import { monitorCommands, startTestRedis } from "../helpers/redis";
import { PROJECT_ROOT } from "../helpers/server";

const log = pino({ level: "silent" });
const dataDir = mkdtempSync(path.join(os.tmpdir(), "herald-embedded-"));
const socketPath = path.join(dataDir, "redis", "redis.sock");

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("ensureEmbeddedRedis", () => {
  it("starts redis-server on a unix socket, reuses it, and keeps data across a restart", async () => {
    const first = await ensureEmbeddedRedis({ dataDir, log });
    expect(first.owned).toBe(true);
    expect(first.url).toBe(`unix://${socketPath}`);
    expect(first.pid).toBeGreaterThan(0);

    const client = createRedis("test", first.url);
    await client.set("herald:test:persist", "kept");

    // A second caller (the CLI while the server runs) reuses the running one.
    const second = await ensureEmbeddedRedis({ dataDir, log });
    expect(second).toMatchObject({ url: first.url, owned: false });
    await second.stop(); // no-op
    expect(await client.get("herald:test:persist")).toBe("kept");
    await client.quit();

    await first.stop();
    expect(alive(first.pid!)).toBe(false);
    expect(await socketAnswers(socketPath)).toBe(false);
    expect(existsSync(path.join(dataDir, "redis", "appendonlydir"))).toBe(true);

    const third = await ensureEmbeddedRedis({ dataDir, log });
    expect(third.owned).toBe(true);
    const again = createRedis("test", third.url);
    expect(await again.get("herald:test:persist")).toBe("kept");
    await again.quit();
    await third.stop();
  });

  it.each(["exit", "signal"])("kills redis-server when the parent ends (%s)", async (mode) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "test/integration/fixtures/embedded-redis-child.ts", dataDir, mode],
      { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    const childExit = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once("exit", (code, signal) => resolve(signal ?? code)),
    );
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => {
        out += c;
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      child.once("exit", (code) => reject(new Error(`fixture exited early (${code}): ${out}`)));
    });
    const { pid } = JSON.parse(line) as { pid: number };
    expect(pid).toBeGreaterThan(0);
    if (mode === "signal") child.kill("SIGTERM");
    await waitFor(async () => (alive(pid) ? undefined : true), "redis-server to exit", 5000, 50);
    expect(await socketAnswers(socketPath)).toBe(false);
    // The parent itself still ends the default way (our hook re-raises the signal).
    expect(await childExit).toBe(mode === "signal" ? "SIGTERM" : 0);
  });

  it("names the missing binary in one clear line", () => {
    expect(() => findRedisServer({ HERALD_REDIS_SERVER: "/nonexistent/redis-server" })).toThrow(
      /redis-server not found: install it \(Debian: apt-get install -y redis-server\) or set REDIS_URL/,
    );
    expect(findRedisServer({ PATH: "" })).toMatch(/redis-server$/);
  });
});

describe("test helpers", () => {
  it("startTestRedis gives a private redis and monitorCommands sees what runs on it", async () => {
    const t = await startTestRedis();
    try {
      const mon = await monitorCommands(t.url);
      await t.redis.set("session:a", "1");
      await t.redis.eval("return redis.call('EXISTS', KEYS[1])", 1, "session:a");
      await t.redis.scan("0", "MATCH", "session:*", "COUNT", 10);
      const seen = await mon.stop();
      expect(seen).toEqual(expect.arrayContaining(["SET", "EVAL", "EXISTS", "SCAN"]));
      expect(seen).not.toContain("KEYS");
    } finally {
      await t.stop();
    }
    expect(existsSync(t.dir)).toBe(false);
  });
});
