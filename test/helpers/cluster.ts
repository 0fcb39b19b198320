import { createRedis, type HeraldRedis } from "../../lib/redis/connection";
import { type LocalCluster, startLocalCluster } from "../../server/local-cluster";

export interface TestCluster extends LocalCluster {
  /** A Herald cluster connection (scripts registered). */
  redis: HeraldRedis;
  /** FLUSHALL on every master (a test's clean slate). */
  flush(): Promise<void>;
}

/**
 * A private, throw-away Redis Cluster (3 masters by default) on loopback for one test file (see
 * server/local-cluster.ts), with a Herald connection to it; stop() removes it all.
 */
export async function startTestCluster(
  opts: { masters?: number; replicas?: number; nodeTimeoutMs?: number } = {},
): Promise<TestCluster> {
  const local = await startLocalCluster(opts);
  const redis = createRedis("test", local.nodes);
  try {
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    await local.stop();
    throw err;
  }
  const masters = local.nodes.map((n) => local.node(n.port));
  return {
    ...local,
    redis,
    async flush() {
      await Promise.all(masters.map((c) => c.flushall()));
    },
    async stop() {
      await redis.quit().catch(() => redis.disconnect());
      await local.stop();
    },
  };
}
