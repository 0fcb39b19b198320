/**
 * Live benchmark (`npm run bench:live -- [--clients 1000,5000] [--rounds R]`): C real
 * socket.io-client sockets, each in its own session room, in a second process; Herald's
 * Socket.IO server (lib/realtime/server.ts: cookie auth, rooms, receipts, Redis adapter) on a
 * throw-away redis-server. Per round, the same payload goes out two ways and is timed from the
 * call to the last client's receipt and until every ack is in:
 *   - bare: `io.emit` from the server process, acks counted as they reach the server;
 *   - herald: `sendBroadcast` (what POST /api/broadcasts runs), pushes through the Redis
 *     emitter and adapter, acks counted once recorded in Redis (the `delivered` counter).
 * Only the C sessions exist, so Herald's time is its real work for them: store, record, push.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { buildMessage } from "../../lib/broadcasts/create";
import { sendBroadcast } from "../../lib/broadcasts/fanout";
import { getEmitters } from "../../lib/realtime/emitter";
import { attachRealtime } from "../../lib/realtime/server";
import { closeRedis } from "../../lib/redis/connection";
import type { BroadcastRequest } from "../../lib/schemas/broadcast";
import { createVisitorSession } from "../../lib/sessions/visitor";
import { ask, forkHelper, killHelpers } from "./children";
import { depsOnBenchRedis, startBenchRedis } from "./redis-server";
import { intArg, parseArgs, percentile } from "./stats";

const args = parseArgs(process.argv.slice(2), { strings: ["clients", "rounds", "json"], flags: ["no-acks"] });
if (args.help) {
  console.log(`npm run bench:live -- [options]
  --clients A,B   client counts, one phase each (default 1000,5000)
  --rounds R      timed rounds per way and phase, after one warm-up round each (default 5)
  --no-acks       clients do not acknowledge (shows the delivery path alone)
  --json FILE     also write the figures as JSON`);
  process.exit(0);
}
const sizes = String(args.clients ?? "1000,5000")
  .split(",")
  .map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 50_000)) {
  process.stderr.write(
    `error: --clients takes counts from 1 to 50000, comma-separated (got ${args.clients})\n`,
  );
  process.exit(2);
}
const rounds = intArg(args, "rounds", 5, 1);
const acks = !args["no-acks"];
const log = (s: string) => process.stderr.write(`${s}\n`);
const now = () => performance.timeOrigin + performance.now();
const ACK_TIMEOUT_MS = 60_000;

interface Round {
  /** ms from the call: median receipt, 99th percentile, last receipt, last ack. */
  p50: number;
  p99: number;
  last: number;
  acks: number;
  /** First receipt; for herald also when sendBroadcast returned. */
  first: number;
  returned?: number;
  received: number;
}

const request: BroadcastRequest = {
  message: "System maintenance in 5 minutes",
  title: "Maintenance Alert",
  level: "warning",
  target: { type: "all" },
};

const redisServer = await startBenchRedis();
const httpServer = createServer((_req, res) => {
  res.statusCode = 404;
  res.end();
});
let realtime: ReturnType<typeof attachRealtime> | undefined;
try {
  const deps = depsOnBenchRedis(redisServer);
  const { redis, keys, config } = deps;
  realtime = attachRealtime(httpServer, deps);
  const io = realtime.io;
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const emitters = getEmitters();

  // Acks as they reach this server (the bare way's count), by message id.
  const arrived = new Map<string, { n: number; want: number; done: (t: number) => void }>();
  io.on("connection", (socket) => {
    socket.on("ack", (payload: unknown) => {
      const id = (payload as { id?: unknown } | null)?.id;
      const w = typeof id === "string" ? arrived.get(id) : undefined;
      if (w && ++w.n === w.want) w.done(now());
    });
  });

  const clients = forkHelper("live-clients.ts", [url, acks ? "ack" : "no-ack"]);
  await ask(clients, null, (m) => (m.ready ? true : undefined));

  const finish = async (id: string, t0: number, acksAt: number): Promise<Round> => {
    const times = (await ask(clients, { receipts: id }, (m) => m.receipts as number[] | undefined))
      .map((t) => t - t0)
      .sort((a, b) => a - b);
    return {
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      last: times.length ? times[times.length - 1]! : Number.NaN,
      first: times.length ? times[0]! : Number.NaN,
      acks: acksAt - t0,
      received: times.length,
    };
  };

  const bare = async (C: number): Promise<Round> => {
    const msg = buildMessage(crypto.randomUUID(), request, new Date().toISOString());
    const acked = new Promise<number>((resolve, reject) => {
      if (!acks) return resolve(Number.NaN);
      const timer = setTimeout(
        () => reject(new Error(`bare: acks missing after ${ACK_TIMEOUT_MS} ms`)),
        ACK_TIMEOUT_MS,
      );
      arrived.set(msg.id, {
        n: 0,
        want: C,
        done: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
      });
    });
    const t0 = now();
    io.emit("message", msg);
    const acksAt = acks ? await acked : Number.NaN;
    arrived.delete(msg.id);
    return finish(msg.id, t0, acksAt);
  };

  const herald = async (C: number): Promise<Round> => {
    const id = crypto.randomUUID();
    const t0 = now();
    let returned = Number.NaN;
    const sending = sendBroadcast(deps, { ...request, id }, "bench", { emitters }).then((summary) => {
      returned = now() - t0;
      return summary;
    });
    // Every ack recorded: the broadcast's `delivered` counter reaches C (receipts write it as
    // they are recorded, before the call has finished its own bookkeeping), polled meanwhile.
    let acksAt = Number.NaN;
    for (; acks; ) {
      const delivered = Number(await redis.hget(keys.broadcast(id), "delivered"));
      if (delivered >= C) {
        acksAt = now();
        break;
      }
      if (now() - t0 > ACK_TIMEOUT_MS) throw new Error(`herald: ${delivered} of ${C} acks recorded`);
      await new Promise((r) => setTimeout(r, 1));
    }
    const summary = await sending;
    if (summary.stored !== C) throw new Error(`herald: stored ${summary.stored} of ${C}`);
    return { ...(await finish(id, t0, acksAt)), returned };
  };

  const results: { C: number; bare: Round[]; herald: Round[] }[] = [];
  for (const C of sizes) {
    log(`live: ${C} clients…`);
    await redis.flushdb();
    const ids: string[] = [];
    for (let i = 0; i < C; i++)
      ids.push(await createVisitorSession(redis, keys, config.HERALD_SESSION_TTL_SECONDS, "bench"));
    const connected = await ask(clients, { connect: ids }, (m) => m.connected as number | undefined);
    if (connected !== C) throw new Error(`${connected} of ${C} clients connected`);
    // Let connection-time writes (presence, TTL) settle before timing.
    await new Promise((r) => setTimeout(r, 500));
    await bare(C);
    await herald(C);
    const phase = { C, bare: [] as Round[], herald: [] as Round[] };
    for (let r = 0; r < rounds; r++) {
      // Alternate which way goes first, so neither always follows the other.
      if (r % 2 === 0) {
        phase.bare.push(await bare(C));
        phase.herald.push(await herald(C));
      } else {
        phase.herald.push(await herald(C));
        phase.bare.push(await bare(C));
      }
    }
    results.push(phase);
    await ask(clients, { disconnect: true }, (m) => (m.disconnected ? true : undefined));
  }

  const med = (rs: Round[], k: keyof Round) =>
    percentile(Float64Array.from(rs.map((r) => r[k] ?? Number.NaN)).sort(), 50);
  const lines = [
    "",
    `Live delivery to C clients — median of ${rounds} rounds per way, ms from the call${acks ? "" : " (no acks)"}`,
    "clients  way       first    p50 recv    p99 recv   last recv   all acks   call ret.  last×bare  acks×bare",
  ];
  for (const p of results) {
    for (const way of ["bare", "herald"] as const) {
      const rs = p[way];
      const ms = (k: keyof Round) => {
        const v = med(rs, k);
        return Number.isFinite(v) ? v.toFixed(1) : "-";
      };
      const ratio = (k: "last" | "acks") => {
        const v = med(rs, k) / med(p.bare, k);
        return way === "herald" && Number.isFinite(v) ? `${v.toFixed(2)}×` : "";
      };
      lines.push(
        [
          String(p.C).padEnd(8),
          way.padEnd(6),
          ms("first").padStart(8),
          ms("p50").padStart(11),
          ms("p99").padStart(11),
          ms("last").padStart(11),
          ms("acks").padStart(10),
          (way === "herald" ? ms("returned") : "").padStart(10),
          ratio("last").padStart(10),
          ratio("acks").padStart(10),
        ].join(" "),
      );
    }
  }
  lines.push("targets: herald's last receipt ≤ 1.3× bare, all acks ≤ 1.5× bare");
  console.log(lines.join("\n"));
  if (typeof args.json === "string") {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(args.json, JSON.stringify(results, null, 2));
  }
} finally {
  killHelpers();
  await realtime?.close();
  httpServer.close();
  await closeRedis();
  await redisServer.stop();
}
