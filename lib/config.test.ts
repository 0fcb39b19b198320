import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config";

describe("REDIS_CLUSTER_NODES", () => {
  it("parses host:port seed nodes and turns the embedded Redis off", () => {
    const c = parseConfig({ NODE_ENV: "test", REDIS_CLUSTER_NODES: "10.0.0.1:7000, redis-b:7001,," });
    expect(c.REDIS_CLUSTER_NODES).toEqual([
      { host: "10.0.0.1", port: 7000 },
      { host: "redis-b", port: 7001 },
    ]);
    expect(c.embeddedRedis).toBe(false);
  });

  it.each(["10.0.0.1", "host:", ":7000", "host:70000", "host:port", ","])(
    "refuses %j with a clear line",
    (v) => {
      expect(() => parseConfig({ NODE_ENV: "test", REDIS_CLUSTER_NODES: v })).toThrow(/REDIS_CLUSTER_NODES/);
    },
  );

  it("refuses REDIS_URL and REDIS_CLUSTER_NODES together", () => {
    expect(() =>
      parseConfig({ NODE_ENV: "test", REDIS_URL: "redis://x", REDIS_CLUSTER_NODES: "a:1" }),
    ).toThrow(ConfigError);
  });
});
