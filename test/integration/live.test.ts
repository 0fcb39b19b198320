// Live delivery: a real socket.io-client, authenticated by the chat page's cookie, receives
// broadcasts sent through the API (route handler) and by the CLI (another process).
import { io, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ClientToServerEvents, ServerToClientEvents } from "../../lib/realtime/events";
import type { StoredMessage } from "../../lib/schemas/message";
import { SESSION_COOKIE } from "../../lib/sessions/visitor";
import { BACKENDS, startTestBackend, type TestBackend } from "../helpers/backend";
import {
  apiClient,
  copiesOf,
  createApiToken,
  defaultKeys as keys,
  seedSession,
  visitChatPage,
  waitFor,
} from "../helpers/herald";
import { runCli, startTestServer, type TestServer } from "../helpers/server";

type UserSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let t: TestBackend;
let server: TestServer;
let api: ReturnType<typeof apiClient>;
const sockets: UserSocket[] = [];

// The same suite on one redis-server and on a 3-master Redis Cluster.
describe.each(BACKENDS)("live delivery on %s", (backend) => {
  beforeAll(async () => {
    t = await startTestBackend(backend);
    server = await startTestServer(t.server);
    api = apiClient(server.baseUrl, await createApiToken(t.redis, "live-tests"));
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(async () => {
    await server?.stop();
    await t?.stop();
  });

  const visit = () => visitChatPage(server.baseUrl);

  function connect(cookie?: string, extra: Parameters<typeof io>[1] = {}): UserSocket {
    const s: UserSocket = io(server.baseUrl, {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      extraHeaders: cookie ? { cookie } : {},
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

  /** The next `message` whose broadcastId matches, or a timeout error. */
  function nextMessage(
    s: UserSocket,
    broadcastId: () => string | undefined,
    ms = 10_000,
  ): Promise<StoredMessage> {
    return new Promise((resolve, reject) => {
      const got: StoredMessage[] = [];
      const timer = setTimeout(
        () =>
          reject(new Error(`no message for ${broadcastId()} within ${ms} ms (got ${JSON.stringify(got)})`)),
        ms,
      );
      const check = () => {
        const id = broadcastId();
        const m = id && got.find((x) => x.broadcastId === id);
        if (m) {
          clearTimeout(timer);
          clearInterval(poll);
          s.off("message", onMessage);
          resolve(m);
        }
      };
      const onMessage = (m: StoredMessage) => {
        got.push(m);
        check();
      };
      // The id is known only once the sender answers, which may be after the message arrived.
      const poll = setInterval(check, 20);
      s.on("message", onMessage);
    });
  }

  describe("live delivery", () => {
    it("GET / creates an empty session (data key only) and sets an httpOnly cookie", async () => {
      const { sessionId, setCookie } = await visit();
      expect(setCookie).toMatch(/; HttpOnly/);
      expect(setCookie).toMatch(/; SameSite=Lax/);
      expect(await t.redis.exists(keys.sessionData(sessionId))).toBe(1);
      expect(await t.redis.exists(keys.sessionMessages(sessionId))).toBe(0);
    });

    it("a socket with the session cookie receives a broadcast sent through the API", async () => {
      const { cookie, sessionId } = await visit();
      const s = connect(cookie);
      await connected(s);

      let id: string | undefined;
      const received = nextMessage(s, () => id);
      const res = await api.post("/api/broadcasts?wait=60", {
        message: "Live over the API",
        title: "Live",
        level: "info",
      });
      expect(res.status).toBe(200);
      id = res.json.id as string;
      const msg = await received;
      expect(msg).toMatchObject({
        type: "broadcast",
        broadcastId: id,
        message: "Live over the API",
        title: "Live",
        level: "info",
      });
      expect(await copiesOf(t.redis, sessionId, id)).toBe(1);
    });

    it("the same socket receives a broadcast sent by the CLI process", async () => {
      const { cookie } = await visit();
      const s = connect(cookie);
      await connected(s);

      const received = nextMessage(s, () => "cli-live-1", 30_000);
      const r = await runCli(
        ["broadcast", "Live from the CLI", "--level", "warning", "--id", "cli-live-1"],
        t.cliEnv,
      );
      expect(r.code, r.stderr).toBe(0);
      const msg = await received;
      expect(msg).toMatchObject({
        broadcastId: "cli-live-1",
        message: "Live from the CLI",
        level: "warning",
      });
    });

    it("a socket only hears its own session, whatever it claims in the handshake", async () => {
      const me = await visit();
      const other = await visit();
      await seedSession(t.redis, "someone-else", "data");
      // Claiming another id in auth or query changes nothing: the cookie decides the room.
      const s = connect(me.cookie, {
        auth: { sessionId: other.sessionId },
        query: { sessionId: other.sessionId },
      });
      await connected(s);
      const seen: StoredMessage[] = [];
      s.on("message", (m) => seen.push(m));

      const toOther = await api.post("/api/broadcasts?wait=60", {
        message: "only for the other",
        target: { type: "sessions", ids: [other.sessionId] },
      });
      expect(toOther.json.stored).toBe(1);
      let mineId: string | undefined;
      const mine = nextMessage(s, () => mineId);
      const toMe = await api.post("/api/broadcasts?wait=60", {
        message: "for me",
        target: { type: "sessions", ids: [me.sessionId] },
      });
      mineId = toMe.json.id;
      await mine;
      // Messages to one room arrive in order: by now the earlier one would have come.
      expect(seen.map((m) => m.broadcastId)).toEqual([mineId]);
    });

    it("an `online` broadcast reaches the connected session only; ack and seen update its record", async () => {
      const me = await visit();
      const offline = await visit();
      const s = connect(me.cookie);
      await connected(s);
      // Presence is written on connect, asynchronously.
      await waitFor(
        async () => ((await t.redis.zscore(keys.presence(), me.sessionId)) === null ? undefined : true),
        "the session to be marked online",
        5000,
        20,
      );
      const online = await api.get("/api/sessions?filter=online");
      expect(online.json.sessions.map((x: { id: string }) => x.id)).toEqual([me.sessionId]);

      let id: string | undefined;
      const received = nextMessage(s, () => id);
      const res = await api.post("/api/broadcasts?wait=60", {
        message: "to whoever is here",
        target: { type: "online" },
      });
      expect(res.json).toMatchObject({ status: "completed", targeted: 1, stored: 1 });
      id = res.json.id as string;
      await received;
      expect(await copiesOf(t.redis, offline.sessionId, id)).toBe(0);

      const ack = (event: "ack" | "seen") =>
        new Promise((resolve) => s.emit(event, { id }, (answer: unknown) => resolve(answer)));
      expect(await ack("ack")).toEqual({ data: true });
      expect((await api.get(`/api/broadcasts/${id}`)).json).toMatchObject({ delivered: 1, seen: 0 });
      expect(await ack("seen")).toEqual({ data: true });
      expect((await api.get(`/api/broadcasts/${id}`)).json).toMatchObject({ delivered: 1, seen: 1 });
      const seen = await api.get(`/api/broadcasts/${id}/deliveries?status=seen`);
      expect(seen.json.deliveries).toEqual([
        expect.objectContaining({ sessionId: me.sessionId, status: "seen", deliveredAt: expect.any(String) }),
      ]);
      // A bogus receipt is refused and changes nothing.
      expect(await new Promise((r) => s.emit("ack", { id: "not a real id!" }, r))).toEqual({
        error: "invalid receipt",
      });
    });

    it("refuses a socket without a valid session cookie", async () => {
      const none = connect();
      await expect(connected(none)).rejects.toThrow(/unauthorized/);
      const forged = connect(`${SESSION_COOKIE}=${"A".repeat(22)}`);
      await expect(connected(forged)).rejects.toThrow(/unauthorized/);
    });
  });
});
