import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Keys } from "../redis/keys";
import { countExisting } from "../redis/pipeline";

/**
 * End-user sessions of the chat page. A first visit gets an unguessable id (128 random bits)
 * in an httpOnly SameSite cookie and a `session:<id>` data key with a TTL — and no message
 * list, exactly like the legacy app's "empty session".
 */
export const SESSION_COOKIE = "herald_sid";
const ID_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;

export const newSessionId = () => randomBytes(16).toString("base64url");

export function isVisitorId(id: string | undefined): id is string {
  return !!id && ID_PATTERN.test(id);
}

export async function createVisitorSession(
  redis: Redis,
  keys: Keys,
  ttlSeconds: number,
  userAgent?: string,
): Promise<string> {
  const id = newSessionId();
  const data = JSON.stringify({
    createdAt: new Date().toISOString(),
    userAgent: (userAgent ?? "").slice(0, 200),
  });
  await redis.set(keys.sessionData(id), data, "EX", ttlSeconds);
  return id;
}

/** The cookie's session when it still exists in Redis (its data key or its list), else null. */
export async function resolveVisitor(
  redis: Redis,
  keys: Keys,
  id: string | undefined,
): Promise<string | null> {
  if (!isVisitorId(id)) return null;
  const n = await countExisting(redis, keys.sessionData(id), keys.sessionMessages(id));
  return n > 0 ? id : null;
}

/** Keep an active visitor's session data alive. */
export async function touchVisitor(redis: Redis, keys: Keys, id: string, ttlSeconds: number): Promise<void> {
  await redis.expire(keys.sessionData(id), ttlSeconds);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    if (!k || k in out) continue;
    try {
      out[k] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // a malformed value is ignored
    }
  }
  return out;
}

export function sessionCookieHeader(id: string, ttlSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${ttlSeconds}${secure ? "; Secure" : ""}`;
}
