// Socket.IO against the real server while its Redis is stalled (SIGSTOP): what fails is refused
// or skipped as before, and now leaves a log line saying so instead of vanishing.
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { visitChatPage, waitFor } from "../helpers/herald";
import { startTestRedis, type TestRedis } from "../helpers/redis";
import { startTestServer, type TestServer } from "../helpers/server";

let t: TestRedis;
let server: TestServer;

beforeAll(async () => {
  t = await startTestRedis();
  server = await startTestServer({ redisUrl: t.url });
});
afterAll(async () => {
  await server?.stop();
  await t?.stop();
});

function connect(cookie: string): Socket {
  return io(server.baseUrl, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    extraHeaders: { cookie },
  });
}

/** Resolves with "connected" or the connect_error's message. */
function outcome(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    s.once("connect", () => resolve("connected"));
    s.once("connect_error", (err) => resolve(err.message));
  });
}

/** The server's JSON log lines with this message. */
const logLines = (msg: string) =>
  server
    .logs()
    .split("\n")
    .filter((l) => l.includes(`"msg":"${msg}"`));

describe("realtime errors are logged", () => {
  it("a handshake and a disconnect that cannot reach Redis each leave a warning", async () => {
    const [a, b] = [await visitChatPage(server.baseUrl), await visitChatPage(server.baseUrl)];
    const first = connect(a.cookie);
    expect(await outcome(first)).toBe("connected");

    process.kill(t.pid(), "SIGSTOP");
    try {
      first.disconnect();
      const second = connect(b.cookie);
      expect(await outcome(second)).toBe("unavailable");
      second.disconnect();
      const refused = await waitFor(
        async () => logLines("socket refused: its session could not be checked")[0],
        "the refused handshake's log line",
      );
      expect(JSON.parse(refused)).toMatchObject({ level: 40, err: expect.stringMatching(/timed out/i) });
      await waitFor(
        async () => logLines("presence not marked offline")[0],
        "the failed presence update's log line",
      );
    } finally {
      process.kill(t.pid(), "SIGCONT");
    }
    // And it all works again once Redis answers.
    const again = connect(b.cookie);
    expect(await outcome(again)).toBe("connected");
    again.disconnect();
  });
});
