// The legacy scenario end to end: the real server (after `next build`) and the real CLI on a
// real redis-server, then on a 3-master Redis Cluster, with sessions shaped the way the legacy
// chat app leaves them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listDeliveries } from "../../lib/broadcasts";
import { BACKENDS, startTestBackend, type TestBackend } from "../helpers/backend";
import {
  apiClient,
  copiesOf,
  createApiToken,
  defaultKeys as keys,
  rawMessages,
  seedSession,
  snapshotKeys,
} from "../helpers/herald";
import { runCli, startTestServer, type TestServer } from "../helpers/server";

const TTL = 604_800; // the default HERALD_MESSAGE_TTL_SECONDS

let t: TestBackend;
let server: TestServer;
let token: string;
let cliEnv: Record<string, string>;

/** POST the legacy endpoint exactly as the legacy test script did (trailing slash, no redirects). */
function legacyPost(body: unknown, auth = `Bearer ${token}`) {
  return fetch(`${server.baseUrl}/chat/api/broadcast/`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/json", authorization: auth },
    body: JSON.stringify(body),
  });
}

const LEGACY_LINE = /^Broadcast message sent: "(.*)" \(level: (\w+)\) - stored in (\d+) sessions$/m;

describe.each(BACKENDS)("legacy scenario on %s", (backend) => {
  const empty = "test-empty-1703123456";

  beforeAll(async () => {
    t = await startTestBackend(backend);
    server = await startTestServer(t.server);
    token = await createApiToken(t.redis, "legacy-tests");
    cliEnv = t.cliEnv;
  });
  afterAll(async () => {
    await server?.stop();
    await t?.stop();
  });

  it("a session created like the legacy app (data key only) gets exactly 1 message from the API", async () => {
    // The legacy app creates only session:<id> on a visit; the list appears with the first message.
    await t.redis.set(keys.sessionData(empty), JSON.stringify({ created: "2026-11-27" }));
    await seedSession(t.redis, "only-list", "list");
    await seedSession(t.redis, "both", "both");
    expect(await t.redis.exists(keys.sessionMessages(empty))).toBe(0);

    const res = await legacyPost({
      message: `Test broadcast API for empty session ${empty}`,
      title: "Maintenance Alert",
      level: "warning",
    });
    expect(res.status).toBe(200); // answered in place: no 308 to the slash-less path
    const body = (await res.json()) as { success: boolean; sessions_updated: number; broadcast_id: string };
    expect(Object.keys(body).sort()).toEqual(["broadcast_id", "sessions_updated", "success"]);
    expect(body).toEqual({ success: true, sessions_updated: 3, broadcast_id: expect.any(String) });

    const msgs = await rawMessages(t.redis, empty);
    expect(msgs).toHaveLength(1);
    expect(JSON.parse(msgs[0]!)).toMatchObject({
      type: "broadcast",
      title: "Maintenance Alert",
      message: `Test broadcast API for empty session ${empty}`,
      level: "warning",
      broadcastId: body.broadcast_id,
    });
    expect(await copiesOf(t.redis, "only-list", body.broadcast_id)).toBe(1);
    expect(await copiesOf(t.redis, "both", body.broadcast_id)).toBe(1);
    expect(await t.redis.llen(keys.sessionMessages("only-list"))).toBe(2);
  });

  it("sets the TTL on the list it created", async () => {
    const ttl = await t.redis.ttl(keys.sessionMessages(empty));
    expect(ttl).toBeGreaterThan(TTL - 60);
    expect(ttl).toBeLessThanOrEqual(TTL);
  });

  it("the CLI broadcast brings it to exactly 2 and prints the legacy line", async () => {
    const message = `Test broadcast command for empty session ${empty}`;
    const r = await runCli(
      ["broadcast", message, "--title", "Maintenance Alert", "--level", "warning", "--id", "legacy-cli-1"],
      cliEnv,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(
      `Broadcast message sent: "${message}" (level: warning) - stored in 3 sessions`,
    );
    expect(await rawMessages(t.redis, empty)).toHaveLength(2);
    expect(await copiesOf(t.redis, empty, "legacy-cli-1")).toBe(1);
  });

  it("the same broadcast id again (CLI --id, then API body id) leaves it at 2", async () => {
    const message = `Test broadcast command for empty session ${empty}`;
    const before = await snapshotKeys(t.redis);
    const r = await runCli(
      ["broadcast", message, "--title", "Maintenance Alert", "--level", "warning", "--id", "legacy-cli-1"],
      cliEnv,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(LEGACY_LINE);
    expect(await rawMessages(t.redis, empty)).toHaveLength(2);

    const api = apiClient(server.baseUrl, token);
    const res = await api.post("/api/broadcasts?wait=60", {
      message,
      title: "Maintenance Alert",
      level: "warning",
      id: "legacy-cli-1",
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: "legacy-cli-1", targeted: 3, stored: 3, failed: 0 });
    for (const id of [empty, "only-list", "both"])
      expect(await copiesOf(t.redis, id, "legacy-cli-1")).toBe(1);
    expect(await rawMessages(t.redis, empty)).toHaveLength(2);

    // Nothing under session: changed by either re-send.
    const after = await snapshotKeys(t.redis);
    for (const [k, v] of before.keys) {
      if (Buffer.from(k, "hex").toString().startsWith("session:")) expect(after.keys.get(k)).toBe(v);
    }
  });

  it("the Idempotency-Key header works like the body id", async () => {
    const api = apiClient(server.baseUrl, token);
    const body = { message: "keyed", level: "info" };
    const a = await api.post("/api/broadcasts?wait=60", body, { "idempotency-key": "idem-1" });
    const b = await api.post("/api/broadcasts?wait=60", body, { "idempotency-key": "idem-1" });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.json.id).toBe("idem-1");
    expect(await copiesOf(t.redis, empty, "idem-1")).toBe(1);
  });

  it("a :messages key of the wrong type fails that session only (API, legacy endpoint and CLI)", async () => {
    await seedSession(t.redis, "wrong", "data");
    await t.redis.hset(keys.sessionMessages("wrong"), "not", "a list");
    const api = apiClient(server.baseUrl, token);

    const res = await api.post("/api/broadcasts?wait=60", { message: "with a broken session" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "partial", targeted: 4, stored: 3, failed: 1 });
    for (const id of [empty, "only-list", "both"]) expect(await copiesOf(t.redis, id, res.json.id)).toBe(1);
    expect(await t.redis.hgetall(keys.sessionMessages("wrong"))).toEqual({ not: "a list" });
    const failed = await listDeliveries(t.redis, keys, res.json.id, {
      status: "failed",
      cursor: "0",
      limit: 10,
    });
    expect(failed.deliveries).toEqual([
      expect.objectContaining({
        sessionId: "wrong",
        status: "failed",
        reason: "messages key holds a hash, not a list",
      }),
    ]);
    const viaApi = await api.get(`/api/broadcasts/${res.json.id}/deliveries?status=failed`);
    expect(viaApi.json.deliveries).toEqual([
      expect.objectContaining({ sessionId: "wrong", status: "failed" }),
    ]);

    const legacy = await legacyPost({ message: "legacy with a broken session" });
    expect(legacy.status).toBe(200);
    expect(await legacy.json()).toEqual({
      success: true,
      sessions_updated: 3,
      broadcast_id: expect.any(String),
    });

    const cli = await runCli(["broadcast", "cli with a broken session"], cliEnv);
    // Partial: still the legacy line on stdout, the failure named on stderr, exit status 1.
    expect(cli.stdout.trim()).toBe(
      'Broadcast message sent: "cli with a broken session" (level: info) - stored in 3 sessions',
    );
    expect(cli.stderr).toContain("wrong");
    expect(cli.code).toBe(1);
    expect(await t.redis.type(keys.sessionMessages("wrong"))).toBe("hash");
  });

  it("the legacy endpoint refuses a request without a token and stores nothing", async () => {
    const before = await snapshotKeys(t.redis);
    const res = await fetch(`${server.baseUrl}/chat/api/broadcast/`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "no token" }),
    });
    expect(res.status).toBe(401);
    const bad = await legacyPost({ message: "" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { issues: unknown[] } }).error.issues.length).toBeGreaterThan(0);
    expect(await snapshotKeys(t.redis)).toEqual(before);
  });

  it("also answers without the trailing slash", async () => {
    const res = await fetch(`${server.baseUrl}/chat/api/broadcast`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ message: "no slash" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, sessions_updated: 3 });
  });
});
