// End users' sockets and API against the real server: the cookie alone decides the session, a
// socket hears only its own room whatever it claims, receipts land on its own delivery record
// only, and the chat page's message API checks origin, size and input.
import { io, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Ack, ClientToServerEvents, ServerToClientEvents } from "../../lib/realtime/events";
import { MAX_BODY_BYTES } from "../../lib/schemas/api";
import type { StoredMessage } from "../../lib/schemas/message";
import { SESSION_COOKIE } from "../../lib/sessions/visitor";
import { BACKENDS, startTestBackend, type TestBackend } from "../helpers/backend";
import {
  apiClient,
  createApiToken,
  defaultKeys as keys,
  rawMessages,
  visitChatPage,
  waitFor,
} from "../helpers/herald";
import { startTestServer, type TestServer } from "../helpers/server";

type UserSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type AckAnswer = Parameters<Ack>[0];

let t: TestBackend;
let server: TestServer;
let api: ReturnType<typeof apiClient>;
const sockets: UserSocket[] = [];

// The same suite on one redis-server and on a 3-master Redis Cluster.
describe.each(BACKENDS)("end-user sockets and messages on %s", (backend) => {
  beforeAll(async () => {
    t = await startTestBackend(backend);
    server = await startTestServer(t.server);
    api = apiClient(server.baseUrl, await createApiToken(t.redis, "socket-tests"));
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(async () => {
    await server?.stop();
    await t?.stop();
  });

  const visit = () => visitChatPage(server.baseUrl);

  function connect(headers: Record<string, string>, extra: Parameters<typeof io>[1] = {}): UserSocket {
    const s: UserSocket = io(server.baseUrl, {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      extraHeaders: headers,
      ...extra,
    });
    sockets.push(s);
    return s;
  }

  function connected(s: UserSocket): Promise<void> {
    return new Promise((resolve, reject) => {
      s.once("connect", () => resolve());
      s.once("connect_error", reject);
    });
  }

  /** Everything a socket receives, for later inspection. */
  function record(s: UserSocket): StoredMessage[] {
    const got: StoredMessage[] = [];
    s.on("message", (m) => got.push(m));
    return got;
  }

  /** Wait until `cond` holds (the shared waitFor, which fails loudly when it never does). */
  const until = (cond: () => boolean, what: string) => waitFor(async () => cond() || undefined, what, 10_000);

  function receipt(s: UserSocket, kind: "ack" | "seen", payload: unknown): Promise<AckAnswer> {
    return s.timeout(5000).emitWithAck(kind, payload);
  }

  async function sendTo(ids: string[], message: string): Promise<string> {
    const res = await api.post("/api/broadcasts?wait=60", { message, target: { type: "sessions", ids } });
    expect(res.status, res.text).toBe(200);
    return res.json.id as string;
  }

  async function deliveryStatus(broadcastId: string, sessionId: string): Promise<string | undefined> {
    const raw = await t.redis.hget(keys.deliveries(broadcastId), sessionId);
    return raw ? (JSON.parse(raw) as { status: string }).status : undefined;
  }

  describe("end-user sockets", () => {
    it("refuses a socket without a valid cookie, and a browser handshake from a foreign origin", async () => {
      await expect(connected(connect({}))).rejects.toThrow(/unauthorized/);
      await expect(connected(connect({ cookie: `${SESSION_COOKIE}=not-a-session` }))).rejects.toThrow(
        /unauthorized/,
      );
      // Well-formed but unknown (or expired): no session, no socket.
      await expect(connected(connect({ cookie: `${SESSION_COOKIE}=${"B".repeat(22)}` }))).rejects.toThrow(
        /unauthorized/,
      );
      const me = await visit();
      // A page on another site cannot ride on the visitor's cookie (cross-site WebSocket hijacking).
      await expect(
        connected(connect({ cookie: me.cookie, origin: "https://evil.example" })),
      ).rejects.toThrow();
      await connected(connect({ cookie: me.cookie, origin: server.baseUrl }));
    });

    it("a socket claiming another session (handshake auth, query, payloads) gets nothing of it", async () => {
      const me = await visit();
      const victim = await visit();
      const claim = { sessionId: victim.sessionId, room: `session:${victim.sessionId}` };
      // (Not `sid` in the query: Engine.IO reserves it for its own session id.)
      const spy = connect(
        { cookie: me.cookie },
        {
          auth: { ...claim, sid: victim.sessionId },
          query: { ...claim, [SESSION_COOKIE]: victim.sessionId },
        },
      );
      await connected(spy);
      const spied = record(spy);
      // Events asking to join another room do not exist; the server ignores them.
      const emitRaw = spy.emit.bind(spy) as unknown as (ev: string, ...args: unknown[]) => void;
      emitRaw("join", claim);
      emitRaw("subscribe", claim.room);

      const victimSocket = connect({ cookie: victim.cookie });
      await connected(victimSocket);
      const victimGot = record(victimSocket);

      const forVictim = await sendTo([victim.sessionId], "private to the victim");
      await until(() => victimGot.some((m) => m.broadcastId === forVictim), "the victim's own message");
      // The spy's own session still works; messages to one room arrive in order, so by the time
      // its own arrives, the victim's would have too.
      const forMe = await sendTo([me.sessionId], "for the spy itself");
      await until(() => spied.some((m) => m.broadcastId === forMe), "the spy's own message");
      expect(spied.map((m) => m.broadcastId)).toEqual([forMe]);

      // Receipts naming the victim do not touch the victim's record.
      expect(await receipt(spy, "seen", { id: forVictim, sessionId: victim.sessionId })).toEqual({
        error: "invalid receipt",
      });
      expect(await receipt(spy, "seen", { id: forVictim })).toEqual({ data: true });
      expect(await deliveryStatus(forVictim, victim.sessionId)).toBe("stored");
      expect(await deliveryStatus(forVictim, me.sessionId)).toBeUndefined();
    });

    it("every tab of a session gets the broadcast; receipts advance its record to delivered, then seen", async () => {
      const me = await visit();
      const tabs = [connect({ cookie: me.cookie }), connect({ cookie: me.cookie })];
      await Promise.all(tabs.map(connected));
      const got = tabs.map(record);

      const id = await sendTo([me.sessionId], "to every tab");
      await until(() => got.every((g) => g.some((m) => m.broadcastId === id)), "the message in every tab");
      expect(await deliveryStatus(id, me.sessionId)).toBe("stored");

      expect(await receipt(tabs[0]!, "ack", { id })).toEqual({ data: true });
      expect(await deliveryStatus(id, me.sessionId)).toBe("delivered");
      // The other tab's ack changes nothing (never counted twice).
      expect(await receipt(tabs[1]!, "ack", { id })).toEqual({ data: true });
      expect(await receipt(tabs[1]!, "seen", { id })).toEqual({ data: true });
      expect(await deliveryStatus(id, me.sessionId)).toBe("seen");
      // Never backwards.
      expect(await receipt(tabs[0]!, "ack", { id })).toEqual({ data: true });
      expect(await deliveryStatus(id, me.sessionId)).toBe("seen");
      const counts = await t.redis.hmget(keys.broadcast(id), "delivered", "seen");
      expect(counts).toEqual(["1", "1"]);
    });

    it("rejects malformed receipts", async () => {
      const me = await visit();
      const s = connect({ cookie: me.cookie });
      await connected(s);
      for (const bad of [undefined, "x", { id: "" }, { id: "a:b" }, { id: "x".repeat(65) }, { ids: ["a"] }]) {
        expect(await receipt(s, "ack", bad)).toEqual({ error: "invalid receipt" });
      }
    });
  });

  describe("end-user message API (/chat/api/messages)", () => {
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${server.baseUrl}/chat/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: server.baseUrl, ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });

    it("stores the message in the cookie's session only, pushes it to the session's sockets, and lists it", async () => {
      const me = await visit();
      const other = await visit();
      const tab = connect({ cookie: me.cookie });
      await connected(tab);
      const got = record(tab);

      const res = await post({ cookie: me.cookie }, { message: "  hello  ", sessionId: other.sessionId });
      expect(res.status).toBe(201);
      const { message } = (await res.json()) as { message: StoredMessage };
      expect(message).toMatchObject({ type: "user", message: "hello" });
      await until(() => got.some((m) => m.id === message.id), "the echo of the message sent");

      expect((await rawMessages(t.redis, me.sessionId)).map((r) => JSON.parse(r))).toEqual([message]);
      expect(await t.redis.exists(keys.sessionMessages(other.sessionId))).toBe(0);
      expect(await t.redis.ttl(keys.sessionMessages(me.sessionId))).toBeGreaterThan(0);

      const list = await fetch(`${server.baseUrl}/chat/api/messages?sessionId=${other.sessionId}`, {
        headers: { cookie: me.cookie },
      });
      expect(list.status).toBe(200);
      expect(list.headers.get("cache-control")).toContain("no-store");
      expect(await list.json()).toEqual({ messages: [{ kind: "message", message }], retracted: [] });
    });

    it("answers 401 without a session, 403 from another origin, 400 on bad input, 413 past 64 KiB", async () => {
      const me = await visit();
      expect((await post({}, { message: "hi" })).status).toBe(401);
      expect((await fetch(`${server.baseUrl}/chat/api/messages`)).status).toBe(401);
      expect(
        (await post({ cookie: me.cookie, origin: "https://evil.example" }, { message: "hi" })).status,
      ).toBe(403);
      const noOrigin = await fetch(`${server.baseUrl}/chat/api/messages`, {
        method: "POST",
        headers: { cookie: me.cookie, "content-type": "application/json" },
        body: JSON.stringify({ message: "hi" }),
      });
      expect(noOrigin.status).toBe(403);

      const empty = await post({ cookie: me.cookie }, { message: "   " });
      expect(empty.status).toBe(400);
      expect((await empty.json()).error).toMatchObject({
        code: "invalid_input",
        issues: [{ path: ["message"] }],
      });
      expect((await post({ cookie: me.cookie }, { message: "x".repeat(4001) })).status).toBe(400);
      expect((await post({ cookie: me.cookie }, "{not json")).status).toBe(400);
      expect((await post({ cookie: me.cookie }, { message: "x".repeat(MAX_BODY_BYTES) })).status).toBe(413);
      expect(await t.redis.exists(keys.sessionMessages(me.sessionId))).toBe(0);
    });

    it("limits how fast one session can post (429 with Retry-After)", async () => {
      const me = await visit();
      const answers: Response[] = [];
      for (let i = 0; i < 30; i++) answers.push(await post({ cookie: me.cookie }, { message: `m${i}` }));
      const statuses = answers.map((r) => r.status);
      // A burst of 20, then one every 2 s: 30 posts in a row cannot all pass.
      expect(statuses.slice(0, 20).every((s) => s === 201)).toBe(true);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
      const refused = answers.find((r) => r.status === 429)!;
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await t.redis.llen(keys.sessionMessages(me.sessionId))).toBe(
        statuses.filter((s) => s === 201).length,
      );
    });

    it("a session whose list key holds another type answers 409, not 500", async () => {
      const me = await visit();
      await t.redis.set(keys.sessionMessages(me.sessionId), "legacy string");
      const res = await post({ cookie: me.cookie }, { message: "hi" });
      expect(res.status).toBe(409);
      expect(await t.redis.get(keys.sessionMessages(me.sessionId))).toBe("legacy string");
    });
  });
});
