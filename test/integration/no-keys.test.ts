// No KEYS, ever: watch every command Redis executes (MONITOR, Lua included) while the server
// and the CLI broadcast, preview and list sessions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, createApiToken, defaultKeys as keys } from "../helpers/herald";
import { monitorCommands, startTestRedis, type TestRedis } from "../helpers/redis";
import { runCli, startTestServer, type TestServer } from "../helpers/server";

let t: TestRedis;
let server: TestServer;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  t = await startTestRedis();
  server = await startTestServer({ redisUrl: t.url, env: { HERALD_SCAN_COUNT: "10" } });
  api = apiClient(server.baseUrl, await createApiToken(t.redis, "no-keys-tests"));
  const pipe = t.redis.pipeline();
  for (let i = 0; i < 200; i++) {
    if (i % 3 !== 1) pipe.set(keys.sessionData(`s${i}`), "{}");
    if (i % 3 !== 0) pipe.rpush(keys.sessionMessages(`s${i}`), "hello");
  }
  await pipe.exec();
});
afterAll(async () => {
  await server?.stop();
  await t?.stop();
});

describe("no KEYS", () => {
  it("the monitor would see a KEYS command (self-check)", async () => {
    const mon = await monitorCommands(t.url);
    await t.redis.keys("nothing-matches-*");
    expect(await mon.stop()).toContain("KEYS");
  });

  it("an API broadcast, a preview and session listings walk with SCAN only", async () => {
    const mon = await monitorCommands(t.url);
    const preview = await api.post("/api/broadcasts/preview", {});
    expect(preview.status).toBe(200);
    expect(preview.json.total).toBe(200);
    const listed = await api.get("/api/sessions?filter=empty&limit=1000");
    expect(listed.status).toBe(200);
    const sent = await api.post("/api/broadcasts?wait=60", { message: "watched" });
    expect(sent.json).toMatchObject({ status: "completed", targeted: 200 });
    const legacy = await api.post("/chat/api/broadcast/", { message: "watched legacy" });
    expect(legacy.json.sessions_updated).toBe(200);
    const commands = await mon.stop();

    expect(commands).not.toContain("KEYS");
    expect(commands.filter((c) => c === "SCAN").length).toBeGreaterThan(20);
    // The fan-out ran (as scripts) while we watched: the monitor really saw the broadcast.
    expect(commands.some((c) => c === "EVALSHA" || c === "EVAL")).toBe(true);
    expect(commands).toContain("RPUSH");
  });

  it("a CLI broadcast (with --dry-run and sessions listing) walks with SCAN only", async () => {
    const mon = await monitorCommands(t.url);
    const env = { REDIS_URL: t.url, HERALD_SCAN_COUNT: "10" };
    const dry = await runCli(["broadcast", "dry", "--dry-run"], env);
    expect(dry.code, dry.stderr).toBe(0);
    const list = await runCli(["sessions", "--filter", "nonempty"], env);
    expect(list.code, list.stderr).toBe(0);
    const sent = await runCli(["broadcast", "from the cli"], env);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain("stored in 200 sessions");
    const commands = await mon.stop();

    expect(commands).not.toContain("KEYS");
    expect(commands.filter((c) => c === "SCAN").length).toBeGreaterThan(20);
  });
});
