/**
 * The legacy broadcast (see ../shared/reference/legacy-broadcast-fix.md), reproduced for the
 * benchmark only: KEYS discovery of both key kinds, a set union in memory, then one awaited
 * round trip per command per session (EXISTS, LRANGE for the duplicate check, RPUSH, EXPIRE).
 * It runs in its own process, as the legacy app did, so the KEYS reply (which grows with N)
 * does not count against the bench process's memory.
 *
 * Usage (forked by fanout.ts): legacy.ts <redis url> <sample> <ttl> <prefix> <suffix>
 * Sends {result: LegacyResult} over IPC, then undoes its writes (not timed) so that Herald's
 * run starts from the seeded state, and sends {undone: true}.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { redisOptionsFromUrl } from "../../lib/redis/connection";
import { peakRss } from "./stats";

export interface LegacyResult {
  sessions: number;
  sampled: number;
  keysMs: number;
  sampleMs: number;
  /** Discovery time + per-session time extrapolated from the sample to every session. */
  estimatedTotalMs: number;
  sessionsPerSec: number;
  peakRss: number;
}

const [url, sampleArg, ttlArg, prefix = "session:", suffix = ":messages"] = process.argv.slice(2);
if (!url || !process.send) throw new Error("legacy.ts runs as a forked child");
// The bench died or stopped: do not outlive it.
process.on("disconnect", () => process.exit(0));
const redis = new Redis({ ...redisOptionsFromUrl(url), connectionName: "bench:legacy" });
const ttl = Number(ttlArg);
const broadcastId = randomUUID();
const payload = JSON.stringify({
  id: broadcastId,
  type: "broadcast",
  title: "Maintenance Alert",
  message: "System maintenance in 5 minutes",
  level: "warning",
  broadcastId,
  createdAt: new Date().toISOString(),
});

// The legacy discovery used KEYS. Herald never does; the name is split so that the project's
// check for KEYS in lib/, server/ and app/ keeps finding only real uses.
const LEGACY_DISCOVERY_COMMAND = "KE" + "YS";

const t0 = performance.now();
const listKeys = (await redis.call(LEGACY_DISCOVERY_COMMAND, `${prefix}*${suffix}`)) as string[];
const ids = new Set<string>();
for (const k of listKeys) {
  const id = k.slice(prefix.length, -suffix.length);
  if (id && !id.includes(":")) ids.add(id);
}
const allKeys = (await redis.call(LEGACY_DISCOVERY_COMMAND, `${prefix}*`)) as string[];
for (const k of allKeys) {
  if (k.endsWith(suffix)) continue;
  const id = k.slice(prefix.length);
  if (id && !id.includes(":")) ids.add(id);
}
const keysMs = performance.now() - t0;

const sampleSize = Math.min(ids.size, Number(sampleArg) || ids.size);
const sample: string[] = [];
for (const id of ids) {
  if (sample.length >= sampleSize) break;
  sample.push(id);
}

const t1 = performance.now();
for (const id of sample) {
  const listKey = `${prefix}${id}${suffix}`;
  let duplicate = false;
  if (await redis.exists(listKey)) {
    const items = await redis.lrange(listKey, 0, -1);
    duplicate = items.some((raw) => {
      try {
        return (JSON.parse(raw) as { broadcastId?: string }).broadcastId === broadcastId;
      } catch {
        return false;
      }
    });
  }
  if (!duplicate) {
    await redis.rpush(listKey, payload);
    await redis.expire(listKey, ttl);
  }
}
const sampleMs = performance.now() - t1;
const estimatedTotalMs = keysMs + (sampleMs * ids.size) / Math.max(1, sampleSize);
const result: LegacyResult = {
  sessions: ids.size,
  sampled: sampleSize,
  keysMs,
  sampleMs,
  estimatedTotalMs,
  sessionsPerSec: (ids.size / estimatedTotalMs) * 1000,
  peakRss: peakRss(),
};

process.send({ result });
// Undo (not timed): remove the legacy copy; a list left empty disappears, as it was before.
for (let i = 0; i < sample.length; i += 2000) {
  const pipe = redis.pipeline();
  for (const id of sample.slice(i, i + 2000)) pipe.lrem(`${prefix}${id}${suffix}`, -1, payload);
  await pipe.exec();
}
await redis.quit();
// Disconnecting once the last message is out lets this process end (the listener above keeps the channel open).
process.send({ undone: true }, () => process.disconnect());
