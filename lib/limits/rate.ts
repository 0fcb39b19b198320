import { createHash } from "node:crypto";
import type { HeraldRedis } from "../redis/connection";

/** A limit's subject (an address, an email, a session id) as a key part: hashed, so what comes
 * from a request never shapes or bloats key names. */
export const limitSubject = (s: string) => createHash("sha256").update(s).digest("base64url").slice(0, 22);

/**
 * Rate limits kept in Redis, shared by every Herald instance (see rate-limit.lua: GCRA).
 * A rule lets `burst` requests through at once, then `perPeriod` requests per `periodSeconds`.
 */
export interface RateRule {
  burst: number;
  perPeriod: number;
  periodSeconds: number;
}

export interface RateDecision {
  allowed: boolean;
  /** How long until one more request would pass (0 when allowed). */
  retryAfterMs: number;
  /** Requests still allowed right now under the tightest rule. */
  remaining: number;
}

/**
 * Take one request (or `cost`) from every rule at once: all of them allow it and all are
 * charged, or none is. On a cluster the keys must share a hash tag.
 */
export async function consume(
  redis: HeraldRedis,
  checks: { key: string; rule: RateRule }[],
  cost = 1,
): Promise<RateDecision> {
  const args: (string | number)[] = [cost];
  for (const { rule } of checks) {
    const intervalMs = Math.max(1, Math.round((rule.periodSeconds * 1000) / rule.perPeriod));
    args.push(intervalMs, rule.burst);
  }
  const [allowed, retryAfterMs, remaining] = await redis.heraldRateLimit(
    checks.length,
    ...checks.map((c) => c.key),
    ...args,
  );
  return { allowed: allowed === 1, retryAfterMs: Number(retryAfterMs), remaining: Number(remaining) };
}
