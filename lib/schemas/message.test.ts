import { describe, expect, it } from "vitest";
import { LEVELS, parseHistoryEntry, StoredMessageSchema, UserMessageInputSchema } from "./message";

const broadcast = {
  id: "b1",
  type: "broadcast",
  title: "Maintenance Alert",
  message: "System maintenance in 5 minutes",
  level: "warning",
  broadcastId: "b1",
  createdAt: "2026-11-27T20:00:00.000Z",
};

describe("parseHistoryEntry", () => {
  it("parses a stored broadcast message", () => {
    expect(parseHistoryEntry(JSON.stringify(broadcast))).toEqual({ kind: "message", message: broadcast });
  });

  it("parses a user message (no level, no title)", () => {
    const user = { id: "u1", type: "user", message: "hello", createdAt: "2026-11-27T20:00:00.000Z" };
    expect(parseHistoryEntry(JSON.stringify(user))).toEqual({ kind: "message", message: user });
  });

  it("keeps text that is not JSON raw", () => {
    for (const raw of ["hello there", "", "{not json", "b'\\x80abc'"]) {
      expect(parseHistoryEntry(raw)).toEqual({ kind: "raw", raw });
    }
  });

  it("keeps JSON of another shape raw, byte for byte", () => {
    const raws = [
      "null",
      "42",
      '"just a string"',
      "[1,2]",
      '{"text":"legacy element","user":"bob"}',
      JSON.stringify({ ...broadcast, type: "system" }),
      JSON.stringify({ ...broadcast, level: "critical" }),
      JSON.stringify({ ...broadcast, id: "" }),
      JSON.stringify({ ...broadcast, createdAt: undefined }),
    ];
    for (const raw of raws) expect(parseHistoryEntry(raw)).toEqual({ kind: "raw", raw });
  });

  it("drops unknown extra fields of an otherwise valid message", () => {
    const entry = parseHistoryEntry(JSON.stringify({ ...broadcast, extra: "x" }));
    expect(entry).toEqual({ kind: "message", message: broadcast });
  });
});

describe("StoredMessageSchema", () => {
  it("knows the four levels and the two types", () => {
    expect(LEVELS).toEqual(["info", "success", "warning", "error"]);
    expect(StoredMessageSchema.safeParse({ ...broadcast, type: "user" }).success).toBe(true);
    expect(StoredMessageSchema.safeParse({ ...broadcast, type: "admin" }).success).toBe(false);
  });
});

describe("UserMessageInputSchema", () => {
  it("requires 1–4000 characters after trimming", () => {
    expect(UserMessageInputSchema.parse({ message: "  hi  " })).toEqual({ message: "hi" });
    expect(UserMessageInputSchema.safeParse({ message: "   " }).success).toBe(false);
    expect(UserMessageInputSchema.safeParse({ message: "x".repeat(4001) }).success).toBe(false);
  });
});
