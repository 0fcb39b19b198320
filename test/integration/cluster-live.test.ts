// Three Herald instances on one Redis Cluster, real socket.io clients on each: a broadcast sent
// through instance A reaches the clients of A, B and C (sharded Socket.IO adapter), and the
// receipts of every instance's clients show in the report read from any instance.
import net from "node:net";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_NAMESPACE,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from "../../lib/realtime/events";
import type { BroadcastSummary } from "../../lib/schemas/broadcast";
import type { StoredMessage } from "../../lib/schemas/message";
import { startTestCluster, type TestCluster } from "../helpers/cluster";
import {
  allDeliveries,
  apiClient,
  copiesOf,
  createApiToken,
  signInAdmin,
  visitChatPage,
  waitFor,
} from "../helpers/herald";
import { startTestServer, TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD, type TestServer } from "../helpers/server";

type UserSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type AdminSocket = Socket<AdminServerToClientEvents, AdminClientToServerEvents>;

let cluster: TestCluster;
const servers: TestServer[] = [];
const sockets: (UserSocket | AdminSocket)[] = [];
let token: string;

beforeAll(async () => {
  cluster = await startTestCluster();
  token = await createApiToken(cluster.redis, "cluster-live");
  // One at a time: three Next servers starting at once would starve the 2 cores.
  for (let i = 0; i < 3; i++)
    servers.push(
      await startTestServer({
        redisUrl: "",
        // A short presence TTL, so that the crash below shows within seconds.
        env: { REDIS_CLUSTER_NODES: cluster.nodesEnv, HERALD_PRESENCE_TTL_SECONDS: "3" },
      }),
    );
});
afterAll(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  await Promise.all(servers.map((s) => s.stop()));
  await cluster?.stop();
});

/** A chat page visitor on `server`, connected by websocket, who acknowledges every message at once. */
async function visitor(
  server: TestServer,
): Promise<{ sessionId: string; messages: StoredMessage[]; socket: UserSocket }> {
  const { cookie, sessionId } = await visitChatPage(server.baseUrl);
  const s: UserSocket = io(server.baseUrl, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    extraHeaders: { cookie },
  });
  sockets.push(s);
  const messages: StoredMessage[] = [];
  s.on("message", (m) => {
    messages.push(m);
    s.emit("ack", { id: m.id });
  });
  await new Promise<void>((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("connect_error", reject);
  });
  return { sessionId, messages, socket: s };
}

describe("several Herald instances on a Redis Cluster", () => {
  it("a broadcast through A reaches clients on A, B and C; B's report shows C's receipts", async () => {
    const [a, b, c] = servers as [TestServer, TestServer, TestServer];
    const onA = await visitor(a);
    const onB = await visitor(b);
    const onC = await visitor(c);
    const everyone = [onA, onB, onC];

    // An admin watching on B: broadcast events come from whichever instance runs the job, receipt
    // updates from the instances of the clients.
    const cookie = await signInAdmin(b.baseUrl, TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD);
    expect(cookie).not.toBeNull();
    const admin: AdminSocket = io(`${b.baseUrl}${ADMIN_NAMESPACE}`, {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      extraHeaders: { cookie: cookie! },
    });
    sockets.push(admin);
    const finished: BroadcastSummary[] = [];
    const receiptsSeen = new Set<string>();
    admin.on("broadcast:finished", (s) => finished.push(s));
    admin.on("delivery:update", (u) => {
      for (const x of u.updates) if (x.status === "seen") receiptsSeen.add(x.sessionId);
    });
    await new Promise<void>((resolve, reject) => {
      admin.once("connect", () => resolve());
      admin.once("connect_error", reject);
    });

    // Presence counts the clients of every instance.
    const apiB = apiClient(b.baseUrl, token);
    await waitFor(
      async () => {
        const res = await apiB.get("/api/sessions?filter=online&limit=50");
        const ids: string[] = res.json?.sessions?.map((s: { id: string }) => s.id) ?? [];
        return everyone.every((v) => ids.includes(v.sessionId)) ? true : undefined;
      },
      "B to list the sessions online on A, B and C",
      15_000,
      50,
    );

    const res = await apiClient(a.baseUrl, token).post("/api/broadcasts?wait=60", {
      message: "Across instances",
      level: "info",
    });
    expect(res.status).toBe(200);
    const id = res.json.id as string;
    expect(res.json).toMatchObject({ status: "completed", stored: 3, failed: 0 });

    for (const v of everyone) {
      await waitFor(
        async () => (v.messages.some((m) => m.broadcastId === id) ? true : undefined),
        `the message on ${v.sessionId}`,
        15_000,
        20,
      );
      expect(await copiesOf(cluster.redis, v.sessionId, id)).toBe(1);
    }

    // Each client then displays it: "seen", recorded by the instance it is connected to.
    for (const v of everyone) {
      const ack = await v.socket.timeout(10_000).emitWithAck("seen", { id });
      expect(ack).toEqual({ data: true });
    }
    // The report, read on B: every client's receipts, those of C's client included.
    const report = await waitFor(
      async () => {
        const r = await apiB.get(`/api/broadcasts/${id}`);
        return r.json?.seen === 3 ? r.json : undefined;
      },
      "B's report to count the three clients' receipts",
      15_000,
      50,
    );
    expect(report).toMatchObject({ status: "completed", stored: 3, delivered: 3, seen: 3 });
    await waitFor(
      async () => (finished.some((f) => f.id === id) ? true : undefined),
      "B's admin socket to hear the broadcast finish",
      15_000,
      20,
    );
    // The "seen" receipts written on A, B and C reach the admin watching on B.
    await waitFor(
      async () => (everyone.every((v) => receiptsSeen.has(v.sessionId)) ? true : undefined),
      "B's admin socket to get the receipt updates of A, B and C",
      15_000,
      20,
    );
    const deliveries = await allDeliveries(cluster.redis, id);
    expect(deliveries.get(onC.sessionId)).toMatchObject({ status: "seen" });
    const page = await apiB.get(`/api/broadcasts/${id}/deliveries?status=seen&limit=10`);
    expect(page.json.deliveries.map((d: { sessionId: string }) => d.sessionId).sort()).toEqual(
      everyone.map((v) => v.sessionId).sort(),
    );
  });

  it("online counts every instance's clients, and drops those of an instance that crashed", async () => {
    const [a, b, c] = servers as [TestServer, TestServer, TestServer];
    const onA = await visitor(a);
    const onC = await visitor(c);
    const apiB = apiClient(b.baseUrl, token);
    const onlineOnB = async () => {
      const res = await apiB.get("/api/sessions?filter=online&limit=100");
      return (res.json?.sessions ?? []).map((s: { id: string }) => s.id) as string[];
    };
    await waitFor(
      async () => ((await onlineOnB()).includes(onC.sessionId) ? true : undefined),
      "C's client online on B",
      15_000,
      50,
    );
    await c.kill();
    await waitFor(
      async () => ((await onlineOnB()).includes(onC.sessionId) ? undefined : true),
      "the crashed instance's client to drop out",
      15_000,
      100,
    );
    // A's client, refreshed by A, stays.
    expect(await onlineOnB()).toContain(onA.sessionId);
  });

  it("an instance killed under its clients: they reconnect through the balancer to another and catch up", async () => {
    const [a, b] = servers as [TestServer, TestServer];
    // A balancer in front of B then A: each new connection goes to the first instance that answers.
    const open = new Set<net.Socket>();
    const balancer = net.createServer((client) => {
      open.add(client);
      client.once("close", () => open.delete(client));
      const tryBackend = (ports: number[]) => {
        const [port, ...rest] = ports;
        if (port === undefined) return client.destroy();
        const upstream = net.connect(port, "127.0.0.1");
        let connected = false;
        upstream.once("connect", () => {
          connected = true;
          client.pipe(upstream).pipe(client);
        });
        // Refused (the instance is gone): the next one. Cut later: the client sees its connection drop.
        upstream.once("error", () => (connected ? client.destroy() : tryBackend(rest)));
        upstream.once("close", () => connected && client.destroy());
        client.once("error", () => upstream.destroy());
        client.once("close", () => upstream.destroy());
      };
      tryBackend([b.port, a.port]);
    });
    await new Promise<void>((resolve) => balancer.listen(0, "127.0.0.1", resolve));
    const front = `http://127.0.0.1:${(balancer.address() as net.AddressInfo).port}`;
    try {
      const { cookie, sessionId } = await visitChatPage(front);
      const s: UserSocket = io(front, {
        transports: ["websocket"],
        reconnectionDelay: 100,
        reconnectionDelayMax: 500,
        forceNew: true,
        extraHeaders: { cookie },
      });
      sockets.push(s);
      const live: StoredMessage[] = [];
      s.on("message", (m) => live.push(m));
      let connects = 0;
      s.on("connect", () => connects++);
      await waitFor(
        async () => (connects === 1 ? true : undefined),
        "the client to connect through the balancer",
      );

      await b.kill();
      // Sent while the client is cut off (or just back): it must show in its history either way.
      const apiA = apiClient(a.baseUrl, token);
      const missed = await apiA.post("/api/broadcasts?wait=60", {
        message: "While you were away",
        level: "info",
      });
      expect(missed.json).toMatchObject({ status: "completed" });
      await waitFor(
        async () => (connects === 2 ? true : undefined),
        "the client to reconnect, now to A",
        20_000,
        50,
      );

      // Catching up: the chat page refetches its history on reconnect.
      const history = await fetch(`${front}/chat/api/messages`, { headers: { cookie } });
      const entries = ((await history.json()) as { messages: { message?: StoredMessage }[] }).messages;
      expect(entries.filter((e) => e.message?.broadcastId === missed.json.id)).toHaveLength(1);
      expect(await copiesOf(cluster.redis, sessionId, missed.json.id)).toBe(1);

      // And live again, from whichever instance runs the next job.
      const next = await apiA.post("/api/broadcasts?wait=60", { message: "Back live", level: "info" });
      await waitFor(
        async () => (live.some((m) => m.broadcastId === next.json.id) ? true : undefined),
        "the next broadcast live on the reconnected client",
        15_000,
        20,
      );
    } finally {
      // close() waits for every connection through the balancer: end the client's first.
      for (const c of open) c.destroy();
      await new Promise((resolve) => balancer.close(resolve));
    }
  });
});
