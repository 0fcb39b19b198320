import { spawn } from "node:child_process";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAdmin, verifyAdmin } from "../../lib/auth/admins";
import { verifyToken } from "../../lib/auth/tokens";
import { StoredMessageSchema } from "../../lib/schemas/message";
import { defaultKeys, rawMessages, snapshotKeys } from "../helpers/herald";
import { monitorCommands, startTestRedis, type TestRedis } from "../helpers/redis";
import { PROJECT_ROOT } from "../helpers/server";

/**
 * The CLI as a user runs it: a real process (`node --import tsx server/cli.ts`) against this
 * file's own redis-server, checked through Redis itself.
 */
let t: TestRedis;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function herald(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const t0 = Date.now();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: t.url, LOG_LEVEL: undefined, ...env };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "server/cli.ts", ...args], {
      cwd: PROJECT_ROOT,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    // A CLI that hangs fails the test instead of the whole run.
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

async function scanCount(pattern: string): Promise<number> {
  let cursor = "0";
  let n = 0;
  do {
    const [next, found] = await t.redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    n += found.length;
  } while (cursor !== "0");
  return n;
}

beforeAll(async () => {
  t = await startTestRedis();
});
afterAll(async () => {
  await t?.stop();
});
beforeEach(async () => {
  await t.redis.flushdb();
});

describe("herald broadcast", () => {
  it("reaches a session that has no message list yet and prints the legacy line (the legacy bug)", async () => {
    await t.redis.set(defaultKeys.sessionData("legacy1"), JSON.stringify({ createdAt: "2026-01-01" }));
    const mon = await monitorCommands(t.url);
    const r = await herald([
      "broadcast",
      "System maintenance in 5 minutes",
      "--title",
      "Maintenance Alert",
      "--level",
      "warning",
    ]);
    const commands = await mon.stop();
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'Broadcast message sent: "System maintenance in 5 minutes" (level: warning) - stored in 1 sessions\n',
    );
    expect(commands).not.toContain("KEYS");

    const list = await rawMessages(t.redis, "legacy1");
    expect(list).toHaveLength(1);
    const msg = StoredMessageSchema.parse(JSON.parse(list[0]!));
    expect(msg).toMatchObject({
      type: "broadcast",
      title: "Maintenance Alert",
      message: "System maintenance in 5 minutes",
      level: "warning",
    });
    const ttl = await t.redis.ttl(defaultKeys.sessionMessages("legacy1"));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(604_800);
  });

  it("stores one copy per session when the same --id is sent twice", async () => {
    await t.redis.set(defaultKeys.sessionData("twice"), "{}");
    const first = await herald(["broadcast", "Only once", "--id", "cli-once", "--json"]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      id: "cli-once",
      status: "completed",
      stored: 1,
      created: 1,
      failed: 0,
    });

    const second = await herald(["broadcast", "Only once", "--id", "cli-once", "--json"]);
    expect(second.code).toBe(0);
    const summary = JSON.parse(second.stdout);
    expect(summary).toMatchObject({ id: "cli-once", status: "completed", targeted: 1, failed: 0 });
    // The session is counted once per broadcast: as stored (its first outcome, kept by the
    // delivery record) or as a duplicate, never both and never twice.
    expect(summary.stored + summary.duplicates).toBe(1);
    expect(await rawMessages(t.redis, "twice")).toHaveLength(1);

    const clash = await herald(["broadcast", "Another text", "--id", "cli-once"]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/exists with another message/);
    expect(await rawMessages(t.redis, "twice")).toHaveLength(1);
  });

  it("--dry-run previews the target and writes nothing", async () => {
    await t.redis.set(defaultKeys.sessionData("dry-empty"), "{}");
    await t.redis.rpush(
      defaultKeys.sessionMessages("dry-full"),
      '{"id":"u1","type":"user","message":"hi","createdAt":"x"}',
    );
    const before = await snapshotKeys(t.redis);
    const r = await herald(["broadcast", "Not really", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /would broadcast "Not really" \(level: info\) to 2 sessions \(1 empty, 1 with messages/,
    );
    const json = await herald(["broadcast", "Not really", "--dry-run", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ dryRun: true, total: 2, empty: 1, withMessages: 1 });
    expect(await snapshotKeys(t.redis)).toEqual(before);
  });

  it("rejects bad input with exit 2, a clear line, and no write", async () => {
    await t.redis.set(defaultKeys.sessionData("untouched"), "{}");
    const before = await snapshotKeys(t.redis);
    // Independent runs, side by side to save time.
    const [bad, empty, both, unknown] = await Promise.all([
      herald(["broadcast", "hello", "--level", "nope"]),
      herald(["broadcast", "   "]),
      herald(["broadcast", "hello", "--online", "--session", "a"]),
      herald(["broadcast", "hello", "--frobnicate"]),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --level: Invalid option: expected one of .*info.*error/m);
    expect(bad.stdout).toBe("");

    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/error: <message>:/);

    expect(both.code).toBe(2);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option/);
    expect(await snapshotKeys(t.redis)).toEqual(before);
  });

  it("exits 1 on a partial broadcast, still printing the line and naming the failure", async () => {
    await t.redis.set(defaultKeys.sessionData("here"), "{}");
    const r = await herald(["broadcast", "Targeted", "--session", "here", "not-here"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('Broadcast message sent: "Targeted" (level: info) - stored in 1 sessions\n');
    expect(r.stderr).toMatch(/not-here: no such session/);
    expect(await t.redis.exists(defaultKeys.sessionMessages("not-here"))).toBe(0);
  });
});

describe("herald token", () => {
  it("creates (token alone on stdout), lists and revokes", async () => {
    const created = await herald(["token", "create", "ci"]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^hrld_[A-Za-z0-9_-]{43}\n$/);
    const token = created.stdout.trim();
    expect(await verifyToken(t.redis, defaultKeys, token)).toEqual({
      name: "ci",
      scopes: ["broadcasts:write", "broadcasts:read", "sessions:read"],
    });

    const list = await herald(["token", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ci\s+broadcasts:write,broadcasts:read,sessions:read\s/m);
    expect(list.stdout).not.toContain(token);

    const dup = await herald(["token", "create", "ci"]);
    expect(dup.code).toBe(1);

    const revoked = await herald(["token", "revoke", "ci"]);
    expect(revoked.code).toBe(0);
    expect(await verifyToken(t.redis, defaultKeys, token)).toBeNull();

    const again = await herald(["token", "revoke", "ci"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no token named "ci"/);

    const badName = await herald(["token", "create", "no spaces"]);
    expect(badName.code).toBe(2);
  });

  it("creates a token with scopes, refuses an unknown scope, and lists when it was last used", async () => {
    const created = await herald([
      "token",
      "create",
      "reader",
      "--scope",
      "broadcasts:read",
      "--scope",
      "sessions:read",
    ]);
    expect(created.code).toBe(0);
    expect(await verifyToken(t.redis, defaultKeys, created.stdout.trim())).toEqual({
      name: "reader",
      scopes: ["broadcasts:read", "sessions:read"],
    });
    const list = await herald(["token", "list", "--json"]);
    const reader = (
      JSON.parse(list.stdout) as { tokens: { name: string; lastUsedAt?: string }[] }
    ).tokens.find((x) => x.name === "reader");
    expect(reader?.lastUsedAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    const bad = await herald(["token", "create", "x", "--scope", "everything"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--scope/);
    expect(await t.redis.hexists(defaultKeys.tokens(), "x")).toBe(0);
  });
});

describe("herald admin", () => {
  it("creates an admin with a generated password shown once, and refuses a duplicate", async () => {
    const r = await herald(["admin", "create", "Ops@Example.com"]);
    expect(r.code).toBe(0);
    const password = /^Password: (\S+)$/m.exec(r.stdout)?.[1];
    expect(password).toBeTruthy();
    expect(await verifyAdmin(t.redis, defaultKeys, "ops@example.com", password!)).toBe(true);
    const raw = await t.redis.hget(defaultKeys.admins(), "ops@example.com");
    expect(JSON.parse(raw!).hash).toMatch(/^\$argon2id\$/);

    const dup = await herald(["admin", "create", "ops@example.com", "--password", "another-pass"]);
    expect(dup.code).toBe(1);
    const forced = await herald([
      "admin",
      "create",
      "ops@example.com",
      "--password",
      "another-pass",
      "--force",
    ]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).not.toContain("another-pass");
    expect(await verifyAdmin(t.redis, defaultKeys, "ops@example.com", "another-pass")).toBe(true);

    const bad = await herald(["admin", "create", "not-an-email"]);
    expect(bad.code).toBe(2);
  });

  it("removes an admin (their sign-ins end) and ends an admin's sign-ins on demand", async () => {
    await createAdmin(t.redis, defaultKeys, "keeper@example.com", "keeper-password");
    await createAdmin(t.redis, defaultKeys, "gone@example.com", "gone-password");
    const { startAdminSession, listAdminSessions } = await import("../../lib/auth/admin-sessions");
    await startAdminSession(t.redis, defaultKeys, "keeper@example.com", { maxAgeSeconds: 60 });
    await startAdminSession(t.redis, defaultKeys, "gone@example.com", { maxAgeSeconds: 60 });

    const out = await herald(["admin", "sign-out", "keeper@example.com"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("1 sign-in of keeper@example.com ended\n");
    expect(await listAdminSessions(t.redis, defaultKeys, "keeper@example.com")).toEqual([]);

    const removed = await herald(["admin", "remove", "gone@example.com"]);
    expect(removed.code).toBe(0);
    expect(await t.redis.hexists(defaultKeys.admins(), "gone@example.com")).toBe(0);
    expect(await listAdminSessions(t.redis, defaultKeys, "gone@example.com")).toEqual([]);
    const again = await herald(["admin", "remove", "gone@example.com"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not found/);
  });
});

describe("herald demo seed and sessions", () => {
  it("seeds N sessions, about half empty, and lists them by filter", async () => {
    const r = await herald(["demo", "seed", "--sessions", "50", "--empty-ratio", "0.5"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Seeded 50 demo sessions: 25 empty, 25 with 5 messages each/);
    expect(await scanCount("session:demo-*")).toBe(75); // 50 data keys + 25 lists
    expect(await scanCount("session:demo-*:messages")).toBe(25);

    const empty = await herald(["sessions", "--filter", "empty", "--json", "--limit", "1000"]);
    expect(empty.code).toBe(0);
    const emptyPage = JSON.parse(empty.stdout) as {
      sessions: { id: string; empty: boolean; ttlSeconds: number }[];
    };
    expect(emptyPage.sessions).toHaveLength(25);
    for (const s of emptyPage.sessions) {
      expect(s.empty).toBe(true);
      expect(s.id.startsWith("demo-")).toBe(true);
      expect(s.ttlSeconds).toBeGreaterThan(0);
    }

    const full = await herald(["sessions", "--filter", "nonempty", "--json", "--limit", "1000"]);
    const fullPage = JSON.parse(full.stdout) as { sessions: { id: string; messageCount: number }[] };
    expect(fullPage.sessions).toHaveLength(25);
    expect(fullPage.sessions.every((s) => s.messageCount === 5)).toBe(true);
    const one = await rawMessages(t.redis, fullPage.sessions[0]!.id);
    for (const raw of one) expect(StoredMessageSchema.parse(JSON.parse(raw)).type).toBe("user");

    const table = await herald(["sessions", "--limit", "3"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+EMPTY\s+MESSAGES\s+ONLINE\s+TTL$/);
    expect(table.stdout.trim().split("\n")).toHaveLength(4);

    const bad = await herald(["sessions", "--filter", "bogus"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--filter: Invalid option/);

    // The legacy fix end to end: the empty demo sessions get the broadcast too.
    const sent = await herald(["broadcast", "To all fifty"]);
    expect(sent.stdout).toMatch(/stored in 50 sessions\n$/);
  });
});

describe("herald: usage, configuration and failures", () => {
  it("--help exits 0 on every command", async () => {
    const commands = [
      ["--help"],
      ["broadcast", "--help"],
      ["sessions", "--help"],
      ["token", "create", "--help"],
      ["admin", "create", "--help"],
      ["demo", "seed", "--help"],
    ];
    const runs = await Promise.all(commands.map((args) => herald(args)));
    runs.forEach((r, i) => {
      const label = commands[i]!.join(" ");
      expect(r.code, label).toBe(0);
      expect(r.stdout, label).toMatch(/^Usage: herald/);
    });
  });

  it("exits 1 with one clear line when Redis is unreachable, and does not hang", async () => {
    const r = await herald(["sessions"], { REDIS_URL: "unix:///nonexistent/herald.sock" });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^error: cannot reach Redis at unix:\/\/\/nonexistent/),
    ]);
    expect(r.ms).toBeLessThan(15_000);
  });

  it("exits 2 on invalid configuration", async () => {
    const r = await herald(["sessions"], { HERALD_SESSION_PREFIX: "no-colon" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/HERALD_SESSION_PREFIX: must end with ':'/);
  });
});
