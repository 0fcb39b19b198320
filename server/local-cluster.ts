import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import type { ClusterNode } from "../lib/config";
import { type SpawnedRedis, spawnRedisServer } from "./embedded-redis";

const run = promisify(execFile);
const READY_TIMEOUT_MS = 30_000;

export interface LocalCluster {
  /** The masters, as REDIS_CLUSTER_NODES lists them. */
  nodes: ClusterNode[];
  /** Every node's port, replicas included. */
  ports: number[];
  /** SIGKILL the node on `port` (a crash: its replica, if any, takes over after the node timeout). */
  kill(port: number): Promise<void>;
  /** `127.0.0.1:P1,127.0.0.1:P2,…` for REDIS_CLUSTER_NODES. */
  nodesEnv: string;
  /** A plain (non-cluster) connection to the node on `port`, closed by stop(). */
  node(port: number): Redis;
  stop(): Promise<void>;
}

/**
 * A throw-away Redis Cluster of `masters` nodes, each with `replicas` replicas (default none), on
 * loopback, on random free ports, for the tests and the benchmark: `redis-server
 * --cluster-enabled yes` per node (no AOF, no RDB), `redis-cli --cluster create`, then every node
 * must say `cluster_state:ok`.
 */
export async function startLocalCluster(
  opts: { masters?: number; replicas?: number; nodeTimeoutMs?: number } = {},
): Promise<LocalCluster> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicas ?? 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), "herald-cluster-"));
  const servers: SpawnedRedis[] = [];
  const plain: Redis[] = [];
  const stop = async () => {
    for (const c of plain) c.disconnect();
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  const node = (port: number) => {
    const c = new Redis({ host: "127.0.0.1", port });
    c.on("error", () => {});
    plain.push(c);
    return c;
  };
  try {
    const ports = await clusterPorts(masters * (1 + replicas));
    for (const port of ports) servers.push(await spawnNode(dir, port, opts.nodeTimeoutMs ?? 5000));
    await run("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    ]);
    const all = ports.map(node);
    await waitClusterOk(all);
    // redis-cli makes the first `masters` addresses the masters.
    const roles = await Promise.all(all.map((c) => c.role() as Promise<unknown[]>));
    const nodes = ports
      .filter((_, i) => roles[i]?.[0] === "master")
      .map((port) => ({ host: "127.0.0.1", port }));
    const kill = async (port: number) => {
      const server = servers[ports.indexOf(port)];
      if (!server) throw new Error(`no node on port ${port}`);
      process.kill(server.pid, "SIGKILL");
      await server.stop();
    };
    return { nodes, ports, kill, nodesEnv: nodes.map((n) => `${n.host}:${n.port}`).join(","), node, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function spawnNode(dir: string, port: number, nodeTimeoutMs: number): Promise<SpawnedRedis> {
  return spawnRedisServer({
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
      String(nodeTimeoutMs),
    ],
  });
}

/** Every node must agree before a client relies on the slot map. */
async function waitClusterOk(nodes: Redis[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const infos = await Promise.all(nodes.map((c) => c.cluster("INFO").catch(() => "")));
    if (infos.every((i) => /cluster_state:ok/.test(String(i)))) return;
    if (Date.now() > deadline) throw new Error(`cluster not ok after ${READY_TIMEOUT_MS / 1000}s`);
    await new Promise((r) => setTimeout(r, 50));
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
