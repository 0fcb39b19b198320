// The CLI's usage as a user meets it (a real process): --version, and every usage error ending
// with the same hint, whether commander or Herald's own validation found it. None of these
// reach Redis: validation comes first.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../helpers/server";

const herald = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "server/cli.ts", ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    // Nowhere to connect: a command that tried Redis would fail differently (exit 1).
    env: { ...process.env, REDIS_URL: "redis://127.0.0.1:1", LOG_LEVEL: "" },
    timeout: 30_000,
  });

describe("herald CLI usage", () => {
  it("--version prints the package's version", () => {
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    for (const flag of ["--version", "-V"]) {
      const r = herald(flag);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${pkg.version}\n`);
    }
  });

  it("every usage error exits 2 and ends with the same hint", () => {
    for (const args of [
      ["broadcast", "hi", "--level", "bogus"],
      ["broadcast", "hi", "--expires-in", "soon"],
      ["sessions", "--limit", "0"],
      ["broadcast"],
      ["broadcast", "hi", "--frobnicate"],
    ]) {
      const r = herald(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/^error: .*\n\(add --help for usage\)\n$/s);
      expect(r.stderr.match(/add --help for usage/g), args.join(" ")).toHaveLength(1);
    }
  });
});
