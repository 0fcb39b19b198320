import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { HeraldError } from "../errors";
import type { Keys } from "../redis/keys";
import { countExisting } from "../redis/pipeline";
import { type HistoryEntry, parseHistoryEntry, type StoredMessage } from "../schemas/message";

/** How much history the chat page shows (the newest entries). */
export const HISTORY_LIMIT = 500;

/** The newest `limit` entries of a session's history, oldest first. A list of another type reads as empty. */
export async function readHistory(
  redis: Redis,
  keys: Keys,
  sessionId: string,
  limit = HISTORY_LIMIT,
): Promise<HistoryEntry[]> {
  const key = keys.sessionMessages(sessionId);
  const type = await redis.type(key);
  if (type !== "list") return [];
  const raws = await redis.lrange(key, -limit, -1);
  return raws.map(parseHistoryEntry);
}

/** Append an end user's message, as the chat app does (creating the list), refreshing the TTL. */
export async function appendUserMessage(
  redis: Redis,
  keys: Keys,
  sessionId: string,
  text: string,
  ttlSeconds: number,
): Promise<StoredMessage> {
  const msg: StoredMessage = {
    id: randomUUID(),
    type: "user",
    message: text,
    createdAt: new Date().toISOString(),
  };
  const key = keys.sessionMessages(sessionId);
  const multi = redis.multi().rpush(key, JSON.stringify(msg));
  if (ttlSeconds > 0) multi.expire(key, ttlSeconds);
  const results = await multi.exec();
  const failed = results?.find(([err]) => err)?.[0];
  if (failed) {
    // A legacy key of another type: this one session cannot take messages; say so instead of a 500.
    if (/WRONGTYPE/.test(failed.message)) {
      throw new HeraldError("conflict", "this chat session's history cannot be written to");
    }
    throw failed;
  }
  return msg;
}

export async function sessionExists(redis: Redis, keys: Keys, sessionId: string): Promise<boolean> {
  return (await countExisting(redis, keys.sessionData(sessionId), keys.sessionMessages(sessionId))) > 0;
}

/** End users may send this many messages per window (a typing human never gets near it). */
export const USER_MESSAGE_LIMIT = { max: 20, windowSeconds: 10 };

/**
 * Count one message against the session's fixed-window limit; throws 429 past it. One round
 * trip: the window is created with its expiry (SET NX EX, any Redis version), then counted.
 */
export async function limitUserMessages(
  redis: Redis,
  keys: Keys,
  sessionId: string,
  limit = USER_MESSAGE_LIMIT,
): Promise<void> {
  const key = keys.rateLimit("chat-message", sessionId);
  const res = await redis.multi().set(key, 0, "EX", limit.windowSeconds, "NX").incr(key).exec();
  const count = Number(res?.[1]?.[1] ?? 0);
  if (count > limit.max) {
    throw new HeraldError("rate_limited", "you are sending messages too fast; wait a few seconds");
  }
}
