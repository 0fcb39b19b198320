// A master crashes (SIGKILL) in the middle of a broadcast on a cluster with replicas: its replica
// takes over, the run stops (interrupted) and is resumed, and every session ends with exactly one
// copy, whatever the crash lost of what was not yet replicated.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBroadcast, resumeBroadcast, sendBroadcast } from "../../lib/broadcasts";
import type { Deps } from "../../lib/context";
import { clusterOf } from "../../lib/redis/connection";
import { keySlot } from "../../lib/redis/slots";
import { BroadcastInputSchema, type BroadcastSummary } from "../../lib/schemas/broadcast";
import { startTestCluster, type TestCluster } from "../helpers/cluster";
import { copyHistogram, defaultKeys as keys, seedManySessions, testDeps, waitFor } from "../helpers/herald";

const SESSIONS = 20_000;
let cluster: TestCluster;
let deps: Deps;

beforeAll(async () => {
  // A short node timeout: the replica is promoted within seconds of the crash.
  cluster = await startTestCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 1000 });
  deps = testDeps(cluster.redis, "", { REDIS_CLUSTER_NODES: cluster.nodesEnv });
});
afterAll(async () => {
  await cluster?.stop();
});

/** The cluster as a surviving node sees it: ok, and every slot served by a master that answers. */
async function clusterOk(port: number): Promise<true | undefined> {
  const info = String(await cluster.node(port).cluster("INFO"));
  return /cluster_state:ok/.test(info) ? true : undefined;
}

describe("a master failover during a broadcast", () => {
  it(`stores exactly one copy in each of ${SESSIONS.toLocaleString("en")} sessions`, async () => {
    const ids = await seedManySessions(cluster.redis, SESSIONS, "f");
    // Replicas in sync before the crash (what they lack afterwards is only what the crash cut).
    await waitFor(
      async () => {
        const infos = await Promise.all(cluster.ports.map((p) => cluster.node(p).info("replication")));
        return infos.every((i) => /role:master/.test(i) || /master_link_status:up/.test(i))
          ? true
          : undefined;
      },
      "replicas in sync",
      30_000,
      50,
    );
    // The master that does not hold the broadcast's record crashes (its records are tested by the
    // duplicate check alone then; the record's own master crashing is the same walk again).
    const id = "failover-1";
    const recordPort = ownerPort(keys.broadcast(id));
    const victim = cluster.nodes.find((n) => n.port !== recordPort)!.port;
    const survivor = cluster.nodes.find((n) => n.port !== victim)!.port;

    const run = sendBroadcast(deps, BroadcastInputSchema.parse({ message: "failing over", id }), "test", {
      estimate: false,
      batchSize: 100,
      concurrency: 1,
    }).catch((err: unknown) => err);
    await waitFor(
      async () => ((await getBroadcast(cluster.redis, keys, id))?.processed ?? 0) > 2000 || undefined,
      "the run to get going",
      60_000,
      20,
    );
    await cluster.kill(victim);
    const first = await run;

    // Resumed (as a job's retry would) until it completes; runs fail while the replica takes over.
    let summary: BroadcastSummary | undefined =
      first instanceof Error ? undefined : (first as BroadcastSummary);
    summary = await waitFor(
      async () => {
        if (summary?.status === "completed") return summary;
        if (!(await clusterOk(survivor).catch(() => undefined))) return undefined;
        const s = await resumeBroadcast(deps, id, { estimate: false }).catch(() => undefined);
        return s?.status === "completed" ? s : undefined;
      },
      "the broadcast to complete after the failover",
      120_000,
      200,
    );
    // The crash did happen mid-run and a replica took over the victim's slots.
    const masters = await Promise.all(
      cluster.ports
        .filter((p) => p !== victim)
        .map(async (p) => ((await cluster.node(p).role()) as unknown[])[0] === "master"),
    );
    expect(masters.filter(Boolean)).toHaveLength(3);
    console.log(
      `first run: ${first instanceof Error ? `stopped (${first.message})` : "completed by itself"}`,
    );
    expect(summary).toMatchObject({ status: "completed", targeted: SESSIONS, failed: 0 });
    expect(summary.stored + summary.duplicates).toBe(SESSIONS);
    expect(await copyHistogram(cluster.redis, ids, id)).toEqual({ 1: SESSIONS });
  }, 240_000);
});

/** The port of the master serving `key` now, as the client's slot map says. */
function ownerPort(key: string): number {
  return Number(clusterOf(cluster.redis)!.slots[keySlot(key)]![0]!.split(":")[1]);
}
