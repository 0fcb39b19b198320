// A broadcast to 50,000 sessions while slots move between masters (redis-cli --cluster reshard:
// SETSLOT MIGRATING/IMPORTING, MIGRATE, SETSLOT NODE): MOVED and ASK on the way, and still
// exactly one copy in every session.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBroadcast, resumeBroadcast, sendBroadcast } from "../../lib/broadcasts";
import type { Deps } from "../../lib/context";
import { clusterOf } from "../../lib/redis/connection";
import { keySlot } from "../../lib/redis/slots";
import { BroadcastInputSchema } from "../../lib/schemas/broadcast";
import { startTestCluster, type TestCluster } from "../helpers/cluster";
import {
  copyHistogram,
  defaultKeys as keys,
  payloadCopies,
  seedLongHistory,
  seedManySessions,
  seedSession,
  testDeps,
  waitFor,
} from "../helpers/herald";

const run = promisify(execFile);
const SESSIONS = 50_000;
const SLOTS_MOVED = 1500;

let cluster: TestCluster;
let deps: Deps;

beforeAll(async () => {
  cluster = await startTestCluster();
  deps = testDeps(cluster.redis, "", { REDIS_CLUSTER_NODES: cluster.nodesEnv });
});
afterAll(async () => {
  await cluster?.stop();
});

/** Slots a master serves, as it says itself (CLUSTER NODES, "myself" line). */
async function slotsOf(port: number): Promise<{ id: string; count: number; migrating: boolean }> {
  const lines = String(await cluster.node(port).cluster("NODES")).split("\n");
  const me = lines.find((l) => l.split(" ")[2]?.includes("myself"))!.split(" ");
  let count = 0;
  let migrating = false;
  for (const range of me.slice(8)) {
    if (range.startsWith("[")) migrating = true;
    else {
      const [a, b] = range.split("-").map(Number);
      count += (b ?? a!) - a! + 1;
    }
  }
  return { id: me[0]!, count, migrating };
}

/** Start moving a slot by hand: MIGRATING on its owner, IMPORTING on another master (no key moved yet). */
async function startMove(slot: number) {
  const owner = cluster.nodes.find(
    (n) => clusterOf(cluster.redis)!.slots[slot]![0] === `${n.host}:${n.port}`,
  )!;
  const other = cluster.nodes.find((n) => n !== owner)!;
  const [ownerId, otherId] = [(await slotsOf(owner.port)).id, (await slotsOf(other.port)).id];
  await cluster.node(other.port).cluster("SETSLOT", slot, "IMPORTING", ownerId);
  await cluster.node(owner.port).cluster("SETSLOT", slot, "MIGRATING", otherId);
  return { owner, other, otherId };
}

describe("a resharding during a broadcast", () => {
  it(`stores exactly one copy in each of ${SESSIONS.toLocaleString("en")} sessions while ${SLOTS_MOVED} slots move`, async () => {
    const ids = await seedManySessions(cluster.redis, SESSIONS, "r");
    const [a, b] = cluster.nodes;
    const from = await slotsOf(a!.port);
    const to = await slotsOf(b!.port);

    const reshardStarted = Date.now();
    const reshard = run(
      "redis-cli",
      [
        "--cluster",
        "reshard",
        `127.0.0.1:${a!.port}`,
        "--cluster-from",
        from.id,
        "--cluster-to",
        to.id,
        "--cluster-slots",
        String(SLOTS_MOVED),
        "--cluster-yes",
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    ).then(() => Date.now());
    // The broadcast starts once the first slot is on its way.
    await waitFor(
      async () =>
        (await slotsOf(a!.port)).count < from.count || (await slotsOf(a!.port)).migrating ? true : undefined,
      "the resharding to start moving slots",
      30_000,
      5,
    );
    const broadcastStarted = Date.now();
    const summary = await sendBroadcast(
      deps,
      BroadcastInputSchema.parse({ message: "moving day", id: "reshard-1" }),
      "test",
      // Small batches, one at a time: the run lasts long enough to meet the migration.
      { estimate: false, batchSize: 100, concurrency: 1 },
    );
    const broadcastEnded = Date.now();
    const reshardEnded = await reshard;

    // The two overlapped: the broadcast started before the resharding was over.
    expect(reshardEnded).toBeGreaterThan(broadcastStarted);
    expect((await slotsOf(a!.port)).count).toBe(from.count - SLOTS_MOVED);
    expect(summary).toMatchObject({
      status: "completed",
      targeted: SESSIONS,
      stored: SESSIONS,
      created: SESSIONS / 2,
      duplicates: 0,
      failed: 0,
    });
    expect(await copyHistogram(cluster.redis, ids, "reshard-1")).toEqual({ 1: SESSIONS });
    expect(await cluster.redis.hlen(keys.deliveries("reshard-1"))).toBe(SESSIONS);
    expect(await getBroadcast(cluster.redis, keys, "reshard-1")).toMatchObject({ status: "completed" });
    console.log(
      `reshard ${reshardEnded - reshardStarted} ms; broadcast ${broadcastEnded - broadcastStarted} ms for ${SESSIONS} sessions`,
    );
  }, 240_000);

  it("a slot left half-migrated (keys on both sides, ASK): one copy each, and the walk ends", async () => {
    await cluster.flush();
    const ids = await seedManySessions(cluster.redis, 2000, "h");
    // The slot of h0's list, moved by hand: MIGRATING on its owner, IMPORTING on another. A few
    // more sessions whose list falls in that slot: the fan-out's writes meet keys on both sides
    // (ASK for those moved, and for lists it creates there).
    const slot = keySlot(keys.sessionMessages("h0"));
    for (let i = 0, found = 0; found < 20; i++) {
      const id = `z${i}`;
      if (keySlot(keys.sessionMessages(id)) !== slot) continue;
      await seedSession(cluster.redis, id, found % 2 ? "both" : "data");
      ids.push(id);
      found++;
    }
    const { owner, other } = await startMove(slot);
    const inSlot = (await cluster.node(owner.port).cluster("GETKEYSINSLOT", slot, 1000)) as string[];
    expect(inSlot.length).toBeGreaterThan(1);
    const moved = inSlot.slice(0, Math.ceil(inSlot.length / 2));
    await cluster.node(owner.port).migrate("127.0.0.1", other.port, "", 0, 5000, "KEYS", ...moved);

    const summary = await sendBroadcast(
      deps,
      BroadcastInputSchema.parse({ message: "half way", id: "half-1" }),
      "test",
      { estimate: false },
    );
    expect(summary).toMatchObject({
      status: "completed",
      targeted: ids.length,
      stored: ids.length,
      failed: 0,
    });
    expect(await copyHistogram(cluster.redis, ids, "half-1")).toEqual({ 1: ids.length });
    // The slot's keys are still on both sides (the importing master answers for them only after ASKING).
    expect(await cluster.node(other.port).cluster("COUNTKEYSINSLOT", slot)).toBeGreaterThanOrEqual(
      moved.length,
    );
    expect(await cluster.node(owner.port).cluster("COUNTKEYSINSLOT", slot)).toBeGreaterThan(0);
  }, 120_000);

  it("a long list in a slot left half-migrated waits for the move to end, then gets one copy", async () => {
    await cluster.flush();
    const ids = await seedManySessions(cluster.redis, 300, "w");
    // A long history (its copy needs a mark) in the slot of w0's list, which is then half moved.
    const slot = keySlot(keys.sessionMessages("w0"));
    let longId = "";
    for (let i = 0; !longId; i++) if (keySlot(keys.sessionMessages(`wl${i}`)) === slot) longId = `wl${i}`;
    await seedLongHistory(cluster.redis, [longId], 200_000);
    ids.push(longId);
    const { owner, other, otherId } = await startMove(slot);
    const req = BroadcastInputSchema.parse({ message: "wait for the move", id: "wait-1" });
    const err = await sendBroadcast(deps, req, "test", { estimate: false }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/being moved/);
    // The move ends (every key over, the slot given to the other master everywhere).
    for (;;) {
      const left = (await cluster.node(owner.port).cluster("GETKEYSINSLOT", slot, 100)) as string[];
      if (left.length === 0) break;
      await cluster.node(owner.port).migrate("127.0.0.1", other.port, "", 0, 5000, "KEYS", ...left);
    }
    for (const n of cluster.nodes) await cluster.node(n.port).cluster("SETSLOT", slot, "NODE", otherId);
    await waitFor(async () => {
      await clusterOf(cluster.redis)!.refreshSlotsCache();
      return clusterOf(cluster.redis)!.slots[slot]![0] === `${other.host}:${other.port}` || undefined;
    }, "the client to see the slot's new owner");
    const summary = await resumeBroadcast(deps, "wait-1", { estimate: false });
    // The sessions the first run stored were recorded then (only the long list waited): none of
    // them counts as a duplicate now.
    expect(summary).toMatchObject({
      status: "completed",
      targeted: ids.length,
      stored: ids.length,
      duplicates: 0,
      failed: 0,
    });
    const payload = (await getBroadcast(cluster.redis, keys, "wait-1"))!.payload;
    expect(await payloadCopies(cluster.redis, [longId], payload)).toEqual([1]);
    expect(await copyHistogram(cluster.redis, ids, "wait-1")).toEqual({ 1: ids.length });
    expect(
      await cluster.redis.sismember(keys.pushedInSlot("wait-1", slot), keys.sessionMessages(longId)),
    ).toBe(1);
  }, 120_000);
});
