import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createKeys } from "../redis/keys";
import { describeSessions, previewTarget } from "./query";

const keys = createKeys({ sessionPrefix: "session:", messagesSuffix: ":messages" });

interface FakeKey {
  type: "string" | "hash" | "list";
  len?: number;
  /** ms; -1 no expiry */
  pttl: number;
}

/** A plain in-memory fake of the read commands describeSessions pipelines, plus ZMSCORE for presence. */
function fakeRedis(data: Record<string, FakeKey>, presence: Record<string, number> = {}) {
  const fake = {
    pipeline() {
      const ops: (() => [Error | null, unknown])[] = [];
      const pipe = {
        exists(k: string) {
          ops.push(() => [null, data[k] ? 1 : 0]);
          return pipe;
        },
        type(k: string) {
          ops.push(() => [null, data[k]?.type ?? "none"]);
          return pipe;
        },
        llen(k: string) {
          ops.push(() => {
            const v = data[k];
            if (!v) return [null, 0];
            if (v.type !== "list")
              return [new Error("WRONGTYPE Operation against a key holding the wrong kind of value"), null];
            return [null, v.len ?? 0];
          });
          return pipe;
        },
        pttl(k: string) {
          ops.push(() => [null, data[k] ? data[k].pttl : -2]);
          return pipe;
        },
        async exec() {
          return ops.map((op) => op());
        },
      };
      return pipe;
    },
    async zmscore(_key: string, ...ids: string[]) {
      return ids.map((id) => (presence[id] === undefined ? null : String(presence[id])));
    },
  };
  return fake as unknown as Redis;
}

describe("describeSessions", () => {
  const now = Date.now();
  const redis = fakeRedis(
    {
      "session:empty": { type: "string", pttl: 90_500 },
      "session:both": { type: "hash", pttl: -1 },
      "session:both:messages": { type: "list", len: 3, pttl: 5_000 },
      "session:listonly:messages": { type: "list", len: 2, pttl: 1_000 },
      "session:wrong": { type: "string", pttl: 10_000 },
      "session:wrong:messages": { type: "hash", pttl: -1 },
    },
    { both: now + 60_000, empty: now - 1 },
  );
  const deps = { redis, keys, scanCount: 100 };

  it("describes each shape of session", async () => {
    const infos = await describeSessions(deps, ["empty", "both", "listonly", "missing"]);
    expect(infos).toEqual([
      // An expired presence entry does not count as online; the TTL is rounded up to whole seconds.
      { id: "empty", empty: true, messageCount: 0, online: false, ttlSeconds: 91 },
      // The session lives as long as its data key (no expiry here), not its list.
      { id: "both", empty: false, messageCount: 3, online: true, ttlSeconds: -1 },
      // A list-only session lives as long as its list.
      { id: "listonly", empty: false, messageCount: 2, online: false, ttlSeconds: 1 },
      null,
    ]);
  });

  it("reports a messages key of another type as non-empty history it cannot count", async () => {
    const [info] = await describeSessions(deps, ["wrong"]);
    expect(info).toEqual({ id: "wrong", empty: false, messageCount: 0, online: false, ttlSeconds: 10 });
  });

  it("asks nothing for no ids", async () => {
    expect(await describeSessions({ ...deps, redis: {} as Redis }, [])).toEqual([]);
  });
});

describe("previewTarget for named sessions", () => {
  it("counts a repeated id once and skips unknown ones", async () => {
    const redis = fakeRedis({
      "session:a": { type: "string", pttl: -1 },
      "session:b:messages": { type: "list", len: 1, pttl: -1 },
    });
    const preview = await previewTarget(
      { redis, keys, scanCount: 10 },
      { type: "sessions", ids: ["a", "a", "b", "ghost", "b"] },
    );
    expect(preview).toMatchObject({ total: 2, empty: 1, withMessages: 1, online: 0 });
    expect(preview.sample.map((s) => s.id)).toEqual(["a", "b"]);
  });
});
