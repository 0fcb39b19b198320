/**
 * Seeding in its own process (forked by fanout.ts) with Herald's demo seeder: it churns
 * through memory, and apart it does not count in the bench process's peak RSS, which is meant
 * to show the fan-out's. Usage: seed-child.ts <redis url> <sessions> <emptyRatio> <messages>
 * <ttl> <prefix> <suffix>; reports {progress} while it runs, then {seeded: SeedResult}.
 */
import { createRedis } from "../../lib/redis/connection";
import { createKeys } from "../../lib/redis/keys";
import { seedDemoSessions } from "../../lib/sessions/demo";

const [url, n, ratio, messages, ttl, sessionPrefix, messagesSuffix] = process.argv.slice(2);
if (!url || !sessionPrefix || !messagesSuffix || !process.send)
  throw new Error("seed-child.ts runs as a forked child");
// The bench died or stopped: do not outlive it.
process.on("disconnect", () => process.exit(0));
const redis = createRedis("bench:seed", url);
const seeded = await seedDemoSessions(redis, createKeys({ sessionPrefix, messagesSuffix }), {
  sessions: Number(n),
  emptyRatio: Number(ratio),
  messages: Number(messages),
  ttlSeconds: Number(ttl),
  onProgress: (done) => process.send?.({ progress: done }),
});
process.send({ seeded }, () => process.disconnect());
await redis.quit();
