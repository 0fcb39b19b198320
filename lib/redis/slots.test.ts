import { describe, expect, it } from "vitest";
import { isRedirection, keySlot } from "./slots";

describe("keySlot", () => {
  // Values from the Redis Cluster spec and CLUSTER KEYSLOT.
  it.each([
    ["foo", 12182],
    ["session:abc", 14788],
    ["{user1000}.following", 3443],
    ["{user1000}.followers", 3443],
    ["foo{}{bar}", 8363],
    ["foo{{bar}}zap", 4015],
  ])("%s is in slot %i", (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });

  it("puts a broadcast's keys in one slot", () => {
    expect(keySlot("herald:bc:{b1}")).toBe(keySlot("herald:bc:{b1}:deliveries"));
  });
});

describe("isRedirection", () => {
  it.each([
    ["MOVED 3999 127.0.0.1:6381", true],
    ["ASK 3999 127.0.0.1:6381", true],
    ["TRYAGAIN Multiple keys request during rehashing of slot", true],
    ["Too many Cluster redirections. Last error: ReplyError: MOVED 1 127.0.0.1:1", true],
    ["Too many Cluster redirections. Last error: Error: Connection is closed.", false],
    ["Connection is closed.", false],
    ["ERR something about a task", false],
  ])("%s -> %s", (message, expected) => {
    expect(isRedirection(new Error(message))).toBe(expected);
  });
});
