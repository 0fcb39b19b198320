import { describe, expect, it } from "vitest";
import { createKeys, type KeyLayout, parseSessionKey } from "./keys";

const layout: KeyLayout = { sessionPrefix: "session:", messagesSuffix: ":messages" };
const parse = (key: string | Buffer, l: KeyLayout = layout) =>
  parseSessionKey(typeof key === "string" ? Buffer.from(key) : key, l);

describe("parseSessionKey", () => {
  it("reads a session data key", () => {
    expect(parse("session:abc")).toEqual({ ok: true, kind: "data", id: "abc" });
  });

  it("reads a session messages key", () => {
    expect(parse("session:abc:messages")).toEqual({ ok: true, kind: "messages", id: "abc" });
  });

  it("skips keys outside the prefix", () => {
    expect(parse("herald:broadcasts")).toEqual({ ok: false, reason: "odd-key" });
    expect(parse("sess")).toEqual({ ok: false, reason: "odd-key" });
    expect(parse("Session:abc")).toEqual({ ok: false, reason: "odd-key" });
  });

  it("skips an empty id", () => {
    expect(parse("session:")).toEqual({ ok: false, reason: "empty-id" });
    expect(parse("session::messages")).toEqual({ ok: false, reason: "empty-id" });
  });

  it("skips keys with extra colons", () => {
    expect(parse("session:x:meta")).toEqual({ ok: false, reason: "odd-key" });
    expect(parse("session:a:b:messages")).toEqual({ ok: false, reason: "odd-key" });
    expect(parse("session:x:messages:old")).toEqual({ ok: false, reason: "odd-key" });
    expect(parse("session:x:")).toEqual({ ok: false, reason: "odd-key" });
  });

  it("treats the bare suffix word without its colon as part of an id", () => {
    expect(parse("session:messages")).toEqual({ ok: true, kind: "data", id: "messages" });
    expect(parse("session:xmessages")).toEqual({ ok: true, kind: "data", id: "xmessages" });
  });

  it("keeps multi-byte UTF-8 ids intact", () => {
    expect(parse("session:café-☕")).toEqual({ ok: true, kind: "data", id: "café-☕" });
    expect(parse("session:日本:messages")).toEqual({ ok: true, kind: "messages", id: "日本" });
  });

  it("skips ids that are not valid UTF-8 instead of decoding them into another name", () => {
    const bad = Buffer.concat([Buffer.from("session:ab"), Buffer.from([0xff, 0xfe]), Buffer.from("cd")]);
    expect(parse(bad)).toEqual({ ok: false, reason: "non-utf8" });
    const badMessages = Buffer.concat([
      Buffer.from("session:"),
      Buffer.from([0xc3]),
      Buffer.from(":messages"),
    ]);
    expect(parse(badMessages)).toEqual({ ok: false, reason: "non-utf8" });
  });

  it("honours a custom prefix and suffix", () => {
    const custom: KeyLayout = { sessionPrefix: "chat:sess:", messagesSuffix: ":history" };
    expect(parse("chat:sess:42", custom)).toEqual({ ok: true, kind: "data", id: "42" });
    expect(parse("chat:sess:42:history", custom)).toEqual({ ok: true, kind: "messages", id: "42" });
    expect(parse("chat:sess:42:messages", custom)).toEqual({ ok: false, reason: "odd-key" });
    expect(parse("session:42", custom)).toEqual({ ok: false, reason: "odd-key" });
    expect(parse("chat:sess:", custom)).toEqual({ ok: false, reason: "empty-id" });
  });

  it("round-trips the names createKeys builds", () => {
    const keys = createKeys(layout);
    expect(parse(keys.sessionData("s1"))).toEqual({ ok: true, kind: "data", id: "s1" });
    expect(parse(keys.sessionMessages("s1"))).toEqual({ ok: true, kind: "messages", id: "s1" });
    expect(parse(keys.broadcastIndex())).toEqual({ ok: false, reason: "odd-key" });
  });
});
