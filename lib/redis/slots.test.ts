import { describe, expect, it } from "vitest";
import { keySlot } from "./slots";

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
