import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Keys } from "../redis/keys";
import { type HistoryEntry, parseHistoryEntry, type StoredMessage } from "../schemas/message";

/** The newest `limit` entries of a session's history, oldest first. A list of another type reads as empty. */
export async function readHistory(
  redis: Redis,
  keys: Keys,
  sessionId: string,
  limit = 500,
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
  await multi.exec();
  return msg;
}

export async function sessionExists(redis: Redis, keys: Keys, sessionId: string): Promise<boolean> {
  return (await redis.exists(keys.sessionData(sessionId), keys.sessionMessages(sessionId))) > 0;
}
