import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { HeraldError } from "../errors";
import { observeUserMessage } from "../metrics";
import type { HeraldRedis } from "../redis/connection";
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

/**
 * Append an end user's message, as the chat app does (creating the list). The list's TTL is
 * kept at least `ttlSeconds` away, never shortened; a list already holding `maxEntries` takes
 * no more user messages (429: it frees up only when the list expires).
 */
export async function appendUserMessage(
  redis: HeraldRedis,
  keys: Keys,
  sessionId: string,
  text: string,
  opts: { ttlSeconds: number; maxEntries: number },
): Promise<StoredMessage> {
  const msg: StoredMessage = {
    id: randomUUID(),
    type: "user",
    message: text,
    createdAt: new Date().toISOString(),
  };
  const key = keys.sessionMessages(sessionId);
  let appended: number;
  try {
    [appended] = await redis.heraldAppendUserMessage(
      1,
      key,
      JSON.stringify(msg),
      opts.maxEntries,
      opts.ttlSeconds * 1000,
    );
  } catch (err) {
    // A legacy key of another type: this one session cannot take messages; say so instead of a 500.
    if (err instanceof Error && /WRONGTYPE/.test(err.message)) {
      throw new HeraldError("conflict", "this chat session's history cannot be written to");
    }
    throw err;
  }
  if (appended !== 1) {
    const ttlMs = await redis.pttl(key);
    throw HeraldError.rateLimited(
      `this chat's history is full (${opts.maxEntries} messages)`,
      ttlMs > 0 ? ttlMs : 24 * 3600 * 1000,
    );
  }
  observeUserMessage();
  return msg;
}

export async function sessionExists(redis: Redis, keys: Keys, sessionId: string): Promise<boolean> {
  return (await countExisting(redis, keys.sessionData(sessionId), keys.sessionMessages(sessionId))) > 0;
}
