import type { Config } from "../config";
import type { Deps } from "../context";
import { HeraldError } from "../errors";
import { addressBucket } from "./address";
import { redisNearlyFull } from "./memory";
import { consume, limitSubject, type RateRule } from "./rate";

/**
 * The chat page's abuse limits: what one client may make Herald store. A new session is free
 * to the client but costs Redis a key (and every later "all" broadcast a list), so sessions are
 * limited per address, not only messages per session.
 */

export const newSessionRule = (c: Config): RateRule => ({
  burst: c.HERALD_NEW_SESSIONS_BURST,
  perPeriod: c.HERALD_NEW_SESSIONS_PER_HOUR,
  periodSeconds: 3600,
});

export const addressMessageRule = (c: Config): RateRule => ({
  burst: c.HERALD_ADDRESS_MESSAGES_BURST,
  perPeriod: c.HERALD_ADDRESS_MESSAGES_PER_MINUTE,
  periodSeconds: 60,
});

/** One session's messages: a typing human never gets near it. */
export const SESSION_MESSAGE_RULE: RateRule = { burst: 20, perPeriod: 30, periodSeconds: 60 };

const memoryFull = () =>
  new HeraldError(
    "redis_unavailable",
    "chat is full right now: no new sessions or messages are taken for a while",
    undefined,
    60,
  );

/** May this address open a new chat session now? Throws 429 (limit) or 503 (Redis nearly full). */
export async function admitNewSession(deps: Deps, address: string): Promise<void> {
  if (await redisNearlyFull(deps.redis, deps.config.HERALD_MEMORY_GUARD_PERCENT)) throw memoryFull();
  const key = deps.keys.rateLimit("new-session", limitSubject(addressBucket(address)));
  const d = await consume(deps.redis, [{ key, rule: newSessionRule(deps.config) }]);
  if (!d.allowed) {
    throw HeraldError.rateLimited(
      "too many new chat sessions from your network; try again later",
      d.retryAfterMs,
    );
  }
}

/** May this session, from this address, send a message now? Throws 429 or 503 like above. */
export async function admitChatMessage(deps: Deps, sessionId: string, address: string): Promise<void> {
  if (await redisNearlyFull(deps.redis, deps.config.HERALD_MEMORY_GUARD_PERCENT)) throw memoryFull();
  // Two calls: the session's key and the address's key may live on different cluster nodes.
  const bySession = await consume(deps.redis, [
    { key: deps.keys.rateLimit("chat-session", limitSubject(sessionId)), rule: SESSION_MESSAGE_RULE },
  ]);
  if (!bySession.allowed) {
    throw HeraldError.rateLimited(
      "you are sending messages too fast; wait a few seconds",
      bySession.retryAfterMs,
    );
  }
  const byAddress = await consume(deps.redis, [
    {
      key: deps.keys.rateLimit("chat-address", limitSubject(addressBucket(address))),
      rule: addressMessageRule(deps.config),
    },
  ]);
  if (!byAddress.allowed) {
    throw HeraldError.rateLimited(
      "too many messages from your network; wait a little",
      byAddress.retryAfterMs,
    );
  }
}
