/**
 * The live benchmark's end users: real socket.io-client sockets, each authenticated by its own
 * session cookie as a browser's would be, in a process apart from the server (forked by
 * live.ts). Each socket records when a `message` arrives and answers with `ack`, as the chat
 * page does.
 *
 * Usage: live-clients.ts <url> [ack|no-ack].
 * IPC: {connect: ids} → {connected: n}; {receipts: messageId} → {receipts: epoch ms[]};
 * {disconnect: true} → {disconnected: true}.
 */
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../../lib/realtime/events";
import { SESSION_COOKIE } from "../../lib/sessions/visitor";

const baseUrl = process.argv[2];
const acks = process.argv[3] !== "no-ack";
if (!baseUrl || !process.send)
  throw new Error("live-clients.ts runs as a forked child: live-clients.ts <url>");
process.on("disconnect", () => process.exit(0));

type UserSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
const sockets: UserSocket[] = [];
/** Message id → receipt times (ms since the epoch, sub-ms resolution, comparable across processes). */
const receipts = new Map<string, number[]>();
const now = () => performance.timeOrigin + performance.now();
const CONNECT_WAVE = 250;

function connect(id: string): Promise<UserSocket> {
  return new Promise((resolve, reject) => {
    const socket: UserSocket = io(baseUrl!, {
      transports: ["websocket"],
      extraHeaders: { cookie: `${SESSION_COOKIE}=${id}` },
      reconnection: false,
      forceNew: true,
    });
    socket.on("message", (msg) => {
      const t = now();
      const list = receipts.get(msg.id);
      if (list) list.push(t);
      else receipts.set(msg.id, [t]);
      if (acks) socket.emit("ack", { id: msg.id });
    });
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => reject(err));
  });
}

process.on("message", async (m: { connect?: string[]; receipts?: string; disconnect?: boolean }) => {
  if (m.connect) {
    for (let i = 0; i < m.connect.length; i += CONNECT_WAVE) {
      sockets.push(...(await Promise.all(m.connect.slice(i, i + CONNECT_WAVE).map(connect))));
    }
    process.send?.({ connected: sockets.length });
  }
  if (m.receipts !== undefined) {
    process.send?.({ receipts: receipts.get(m.receipts) ?? [] });
    receipts.delete(m.receipts);
  }
  if (m.disconnect) {
    for (const s of sockets.splice(0)) s.disconnect();
    process.send?.({ disconnected: true });
  }
});
process.send({ ready: true });
