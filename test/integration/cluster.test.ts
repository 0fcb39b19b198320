import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterOf } from "../../lib/redis/connection";
import { startTestCluster, type TestCluster } from "../helpers/cluster";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

describe("Redis Cluster", () => {
  it("starts three masters and connects a Cluster client", async () => {
    expect(clusterOf(cluster.redis)?.nodes("master")).toHaveLength(3);
  });
});
