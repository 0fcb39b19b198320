import type { HeraldRedis } from "../../lib/redis/connection";
import { startTestCluster } from "./cluster";
import { startTestRedis } from "./redis";

/** Where a parameterised test file runs Herald: one redis-server, or a 3-master Redis Cluster. */
export type BackendKind = "redis" | "cluster";
export const BACKENDS: readonly BackendKind[] = ["redis", "cluster"];

export interface TestBackend {
  kind: BackendKind;
  /** A Herald connection (scripts registered). */
  redis: HeraldRedis;
  /** For startTestServer: the Redis the server uses. */
  server: { redisUrl: string; env: Record<string, string> };
  /** Environment for runCli. */
  cliEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** A private Redis of the given kind for one test file (see startTestRedis, startTestCluster). */
export async function startTestBackend(kind: BackendKind): Promise<TestBackend> {
  if (kind === "redis") {
    const t = await startTestRedis();
    return {
      kind,
      redis: t.redis,
      server: { redisUrl: t.url, env: {} },
      cliEnv: { REDIS_URL: t.url },
      stop: t.stop,
    };
  }
  const c = await startTestCluster();
  const env = { REDIS_CLUSTER_NODES: c.nodesEnv };
  // REDIS_URL "" counts as unset: the cluster alone names the Redis.
  return {
    kind,
    redis: c.redis,
    server: { redisUrl: "", env },
    cliEnv: { REDIS_URL: "", ...env },
    stop: c.stop,
  };
}
