import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createKeys } from "../redis/keys";
import { scanSessionKeys, uniqueSessions } from "./discover";

const keys = createKeys({ sessionPrefix: "session:", messagesSuffix: ":messages" });

/**
 * A plain fake of the few commands discovery sends: SCAN pages fixed in advance (cursor ->
 * next cursor and keys) and EXISTS over a set of key names. Records the calls it gets.
 */
function fakeRedis(pages: Record<string, [string, (string | Buffer)[]]>, existing: string[] = []) {
  const calls: string[][] = [];
  const exists = new Set(existing);
  const fake = {
    calls,
    async scanBuffer(cursor: string, ...args: (string | number)[]) {
      calls.push(["SCAN", cursor, ...args.map(String)]);
      const page = pages[cursor];
      if (!page) throw new Error(`unexpected cursor ${cursor}`);
      return [Buffer.from(page[0]), page[1].map((k) => (typeof k === "string" ? Buffer.from(k) : k))];
    },
    pipeline() {
      const queued: string[] = [];
      const pipe = {
        exists(k: string) {
          queued.push(k);
          return pipe;
        },
        async exec() {
          calls.push(["EXISTS*", ...queued]);
          return queued.map((k) => [null, exists.has(k) ? 1 : 0]);
        },
      };
      return pipe;
    },
  };
  return fake as typeof fake & Redis;
}

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

describe("scanSessionKeys", () => {
  it("walks every SCAN page with MATCH and COUNT until the cursor is 0", async () => {
    const redis = fakeRedis({
      "0": ["17", ["session:a", "session:b:messages"]],
      "17": ["42", []],
      "42": ["0", ["session:c"]],
    });
    const pages = await collect(scanSessionKeys(redis, keys, { count: 100 }));
    expect(pages.map((p) => p.cursor)).toEqual(["17", "42", "0"]);
    expect(pages.flatMap((p) => p.found)).toEqual([
      { id: "a", kind: "data" },
      { id: "b", kind: "messages" },
      { id: "c", kind: "data" },
    ]);
    expect(redis.calls.filter((c) => c[0] === "SCAN")).toEqual([
      ["SCAN", "0", "MATCH", "session:*", "COUNT", "100"],
      ["SCAN", "17", "MATCH", "session:*", "COUNT", "100"],
      ["SCAN", "42", "MATCH", "session:*", "COUNT", "100"],
    ]);
  });

  it("starts from a given cursor (resume)", async () => {
    const redis = fakeRedis({ "42": ["0", ["session:z"]] });
    const pages = await collect(scanSessionKeys(redis, keys, { cursor: "42", count: 10 }));
    expect(pages).toHaveLength(1);
    expect(pages[0]!.found).toEqual([{ id: "z", kind: "data" }]);
  });

  it("reports an id found by both keys on one page once, by its data key", async () => {
    const redis = fakeRedis({
      "0": ["0", ["session:a:messages", "session:a", "session:b", "session:b:messages"]],
    });
    const [page] = await collect(scanSessionKeys(redis, keys, { count: 10 }));
    expect(page!.found).toEqual([
      { id: "a", kind: "data" },
      { id: "b", kind: "data" },
    ]);
  });

  it("skips and counts odd keys, never decoding bytes into another id", async () => {
    const nonUtf8 = Buffer.concat([Buffer.from("session:s"), Buffer.from([0xff, 0xfe])]);
    const nonUtf8List = Buffer.concat([
      Buffer.from("session:"),
      Buffer.from([0xc3]),
      Buffer.from(":messages"),
    ]);
    const redis = fakeRedis({
      "0": [
        "0",
        [
          "session:",
          "session::messages",
          "session:x:meta",
          "session:a:b:messages",
          nonUtf8,
          nonUtf8List,
          "session:ok",
        ],
      ],
    });
    const [page] = await collect(scanSessionKeys(redis, keys, { count: 10 }));
    expect(page!.found).toEqual([{ id: "ok", kind: "data" }]);
    expect(page!.skipped).toEqual({ "empty-id": 2, "odd-key": 2, "non-utf8": 2 });
  });
});

describe("uniqueSessions", () => {
  it("reports a list-only session once, and a session with data only where its data key appears", async () => {
    // b's list and data key come on different pages: b must be reported once (by its data key).
    const redis = fakeRedis(
      {
        "0": ["5", ["session:a:messages", "session:b:messages"]],
        "5": ["0", ["session:b", "session:c"]],
      },
      ["session:b", "session:c"],
    );
    const pages = await collect(uniqueSessions(redis, keys, { count: 10 }));
    expect(pages.map((p) => p.sessions)).toEqual([
      [{ id: "a", kind: "messages" }],
      [
        { id: "b", kind: "data" },
        { id: "c", kind: "data" },
      ],
    ]);
    // One pipelined EXISTS for the list-only candidates of the first page, none for the second.
    expect(redis.calls.filter((c) => c[0] === "EXISTS*")).toEqual([["EXISTS*", "session:a", "session:b"]]);
  });

  it("passes the skip counts through", async () => {
    const redis = fakeRedis({ "0": ["0", ["session:", "session:q"]] }, ["session:q"]);
    const [page] = await collect(uniqueSessions(redis, keys, { count: 10 }));
    expect(page!.sessions).toEqual([{ id: "q", kind: "data" }]);
    expect(page!.skipped["empty-id"]).toBe(1);
  });

  it("honours a custom prefix and suffix", async () => {
    const custom = createKeys({ sessionPrefix: "chat:sess:", messagesSuffix: ":log" });
    const redis = fakeRedis({ "0": ["0", ["chat:sess:a", "chat:sess:b:log", "chat:sess:c:messages"]] });
    const pages = await collect(uniqueSessions(redis, custom, { count: 10 }));
    expect(pages[0]!.sessions).toEqual([
      { id: "a", kind: "data" },
      { id: "b", kind: "messages" },
    ]);
    expect(pages[0]!.skipped["odd-key"]).toBe(1);
    expect(redis.calls[0]).toEqual(["SCAN", "0", "MATCH", "chat:sess:*", "COUNT", "10"]);
  });
});
