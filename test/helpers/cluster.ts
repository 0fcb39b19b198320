import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import type { ClusterNode } from "../../lib/config";
import { createRedis, type HeraldRedis } from "../../lib/redis/connection";
import { type SpawnedRedis, spawnRedisServer } from "../../server/embedded-redis";
import { waitFor } from "./herald";

const run = promisify(execFile);

export interface TestCluster {
  /** The masters, as REDIS_CLUSTER_NODES lists them. */
  nodes: ClusterNode[];
  /** `127.0.0.1:P1,127.0.0.1:P2,…` for REDIS_CLUSTER_NODES. */
  nodesEnv: string;
  /** A Herald cluster connection (scripts registered). */
  redis: HeraldRedis;
  /** A plain connection to one node (for CLUSTER commands and MIGRATE). */
  node(port: number): Redis;
  /** FLUSHALL on every master (a test's clean slate). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private, throw-away Redis Cluster of `masters` nodes (no replicas) on loopback, on random
 * free ports, for one test file: `redis-server --cluster-enabled yes` per node, then
 * `redis-cli --cluster create`, then wait until every node says `cluster_state:ok`.
 */
export async function startTestCluster(opts: { masters?: number } = {}): Promise<TestCluster> {
  const masters = opts.masters ?? 3;
  const dir = mkdtempSync(path.join(os.tmpdir(), "herald-cluster-"));
  const servers: SpawnedRedis[] = [];
  const plain: Redis[] = [];
  let redis: HeraldRedis | undefined;
  const stop = async () => {
    if (redis) await redis.quit().catch(() => redis?.disconnect());
    for (const c of plain) c.disconnect();
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports = await clusterPorts(masters);
    for (const port of ports) {
      servers.push(
        await spawnRedisServer({
          dir,
          socketPath: path.join(dir, `${port}.sock`),
          persist: false,
          extraArgs: [
            "--port",
            String(port),
            "--bind",
            "127.0.0.1",
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            path.join(dir, `nodes-${port}.conf`),
            "--cluster-node-timeout",
            "5000",
          ],
        }),
      );
    }
    await run("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    const node = (port: number) => {
      const c = new Redis({ host: "127.0.0.1", port, lazyConnect: false });
      c.on("error", () => {});
      plain.push(c);
      return c;
    };
    const checks = ports.map(node);
    // Every node must agree before a client relies on the slot map.
    await waitFor(
      async () => {
        const infos = await Promise.all(checks.map((c) => c.cluster("INFO")));
        return infos.every((i) => /cluster_state:ok/.test(String(i))) ? true : undefined;
      },
      "cluster_state:ok on every node",
      30_000,
      50,
    );
    const nodes = ports.map((port) => ({ host: "127.0.0.1", port }));
    redis = createRedis("test", nodes);
    await redis.ping();
    return {
      nodes,
      nodesEnv: nodes.map((n) => `${n.host}:${n.port}`).join(","),
      redis,
      node,
      async flush() {
        await Promise.all(checks.map((c) => c.flushall()));
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `n` ports P whose cluster bus port P+10000 is free too (random in 20000-29999, checked). */
async function clusterPorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const p = 20_000 + Math.floor(Math.random() * 10_000);
    if (ports.includes(p)) continue;
    if ((await portFree(p)) && (await portFree(p + 10_000))) ports.push(p);
  }
  return ports;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}
