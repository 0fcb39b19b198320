import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { escapeGlob, type Keys } from "../redis/keys";
import { keyedPipeline } from "../redis/pipeline";
import type { StoredMessage } from "../schemas/message";
import { scanSessionKeys } from "./discover";

/**
 * Demo data: sessions shaped like the chat app's. Each gets a `session:<id>` data key with a
 * TTL (as a chat-page visit creates); the non-empty ones also a message list of user messages.
 * Written in pipelined chunks so a million sessions take bounded memory.
 */
export interface SeedOptions {
  sessions: number;
  /** Share of sessions without a message list (0..1), spread evenly. */
  emptyRatio: number;
  /** User messages in each non-empty session's list (≥ 1). */
  messages: number;
  /** TTL of the data keys and lists; 0 leaves them without expiry. */
  ttlSeconds: number;
  /** Start of every generated id (default "demo-"); `clearDemoSessions` finds them by it. */
  idPrefix?: string;
  /** Sessions per pipeline. */
  chunkSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  sessions: number;
  empty: number;
  withMessages: number;
  messages: number;
  /** The first few ids, for trying things out. */
  sampleIds: string[];
  ms: number;
}

export const DEFAULT_DEMO_PREFIX = "demo-";

const TEXTS: readonly StoredMessage["message"][] = [
  "Hi, is anyone there?",
  "How do I reset my password?",
  "Thanks, that worked!",
  "The page is loading slowly today.",
  "Can I change my delivery address?",
  "What are your opening hours?",
  "I have a question about my invoice.",
  "Great service, thank you.",
];

const ENCODED_TEXTS = TEXTS.map((t) => JSON.stringify(t));

/** The i-th of n sessions is empty when the running count of empties steps up (evenly spread, exact total). */
const isEmptyAt = (i: number, ratio: number) => Math.floor((i + 1) * ratio) > Math.floor(i * ratio);

export async function seedDemoSessions(redis: Redis, keys: Keys, opts: SeedOptions): Promise<SeedResult> {
  const t0 = performance.now();
  const total = Math.max(0, Math.floor(opts.sessions));
  const ratio = Math.min(1, Math.max(0, opts.emptyRatio));
  const perSession = Math.max(1, Math.floor(opts.messages));
  const prefix = opts.idPrefix ?? DEFAULT_DEMO_PREFIX;
  const chunkSize = Math.max(1, opts.chunkSize ?? 1000);
  const ttl = Math.max(0, Math.floor(opts.ttlSeconds));
  const result: SeedResult = { sessions: 0, empty: 0, withMessages: 0, messages: 0, sampleIds: [], ms: 0 };
  const baseTime = Date.now();

  // Two chunks in flight: Redis works on one while the next is built.
  let pending: Promise<void> | undefined;
  for (let start = 0; start < total; start += chunkSize) {
    const n = Math.min(chunkSize, total - start);
    const rand = randomBytes(16 * n);
    const pipe = keyedPipeline(redis);
    for (let j = 0; j < n; j++) {
      const i = start + j;
      const id = prefix + rand.subarray(16 * j, 16 * (j + 1)).toString("base64url");
      if (result.sampleIds.length < 5) result.sampleIds.push(id);
      const createdAt = new Date(baseTime - (total - i) * 1000).toISOString();
      const data = JSON.stringify({ createdAt, userAgent: "herald-demo" });
      if (ttl > 0) pipe.set(keys.sessionData(id), data, "EX", ttl);
      else pipe.set(keys.sessionData(id), data);
      if (isEmptyAt(i, ratio)) {
        result.empty++;
        continue;
      }
      // Built as text rather than objects + JSON.stringify: at a million sessions the garbage matters.
      // Same shape as StoredMessage (type "user"); ids derive from the session id, so they are unique.
      const list: string[] = [];
      for (let k = 0; k < perSession; k++) {
        const createdAt = new Date(baseTime - (total - i) * 1000 + (k + 1) * 100).toISOString();
        list.push(
          `{"id":"${id}-${k}","type":"user","message":${ENCODED_TEXTS[(i + k) % ENCODED_TEXTS.length]},"createdAt":"${createdAt}"}`,
        );
      }
      pipe.rpush(keys.sessionMessages(id), ...list);
      if (ttl > 0) pipe.expire(keys.sessionMessages(id), ttl);
      result.withMessages++;
      result.messages += perSession;
    }
    const done = start + n;
    const exec = pipe.exec().then((replies) => {
      const failed = (replies ?? []).find(([err]) => err);
      if (failed?.[0]) throw failed[0];
      result.sessions = done;
      opts.onProgress?.(done, total);
    });
    // Handled when awaited below; this keeps a rejection from counting as unhandled meanwhile.
    exec.catch(() => {});
    if (pending) await pending;
    pending = exec;
  }
  if (pending) await pending;
  result.ms = Math.round(performance.now() - t0);
  return result;
}

/** Delete the demo sessions (both keys) whose ids start with `idPrefix`, walking with SCAN. */
export async function clearDemoSessions(
  redis: Redis,
  keys: Keys,
  opts: { idPrefix?: string; scanCount?: number; onProgress?: (deleted: number) => void } = {},
): Promise<number> {
  const pattern = `${escapeGlob(keys.sessionData(opts.idPrefix ?? DEFAULT_DEMO_PREFIX))}*`;
  let deleted = 0;
  // Every master of a cluster is walked (scanSessionKeys); both keys of each id found go.
  for await (const page of scanSessionKeys(redis, keys, { match: pattern, count: opts.scanCount ?? 1000 })) {
    if (page.found.length === 0) continue;
    // One UNLINK per key: keys of one call could live on different cluster slots.
    const pipe = keyedPipeline(redis);
    for (const f of page.found) pipe.unlink(keys.sessionData(f.id)).unlink(keys.sessionMessages(f.id));
    for (const [err, n] of (await pipe.exec()) ?? []) if (!err) deleted += Number(n);
    opts.onProgress?.(deleted);
  }
  return deleted;
}
