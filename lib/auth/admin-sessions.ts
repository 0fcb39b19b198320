import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Keys } from "../redis/keys";

/**
 * Server-side records of admin sign-ins. The JWT cookie names its session (`sid`); the session
 * is valid only while its record exists here, so sign-out, a password change or the admin's
 * removal ends it at once on every instance, for the API and the `/admin` socket alike.
 * `herald:admin-sessions` is a hash: sid -> JSON record (admins are few; expired records are
 * dropped whenever one signs in).
 */
const RecordSchema = z.object({
  email: z.string(),
  createdAt: z.string(),
  expiresAt: z.number(),
  address: z.string().optional(),
  userAgent: z.string().optional(),
});
export type AdminSessionRecord = z.infer<typeof RecordSchema>;

const SID_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;

/** Socket.IO room (in /admin) of one sign-in's sockets: disconnected when the sign-in ends. */
export const adminSessionRoom = (sid: string) => `admin-session:${sid}`;

function parse(raw: string | null | undefined): AdminSessionRecord | null {
  if (!raw) return null;
  try {
    const r = RecordSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export async function startAdminSession(
  redis: Redis,
  keys: Keys,
  email: string,
  opts: { maxAgeSeconds: number; address?: string; userAgent?: string },
): Promise<string> {
  const sid = randomBytes(18).toString("base64url");
  const now = Date.now();
  const record: AdminSessionRecord = {
    email,
    createdAt: new Date(now).toISOString(),
    expiresAt: now + opts.maxAgeSeconds * 1000,
    address: opts.address?.slice(0, 100),
    userAgent: opts.userAgent?.slice(0, 200),
  };
  const all = await redis.hgetall(keys.adminSessions());
  const stale = Object.entries(all)
    .filter(([, raw]) => (parse(raw)?.expiresAt ?? 0) <= now)
    .map(([id]) => id);
  const multi = redis.multi().hset(keys.adminSessions(), sid, JSON.stringify(record));
  if (stale.length > 0) multi.hdel(keys.adminSessions(), ...stale);
  await multi.exec();
  return sid;
}

/** True when the sign-in `sid` of `email` has not been ended and has not expired. */
export async function isAdminSessionValid(
  redis: Redis,
  keys: Keys,
  sid: string,
  email: string,
): Promise<boolean> {
  if (!SID_PATTERN.test(sid)) return false;
  const record = parse(await redis.hget(keys.adminSessions(), sid));
  return record !== null && record.email === email && record.expiresAt > Date.now();
}

/** End one sign-in; the caller disconnects its sockets (see endSessions in lib/auth/account.ts). */
export async function endAdminSession(redis: Redis, keys: Keys, sid: string): Promise<boolean> {
  if (!SID_PATTERN.test(sid)) return false;
  return (await redis.hdel(keys.adminSessions(), sid)) === 1;
}

/** End every sign-in of `email` but `except`; returns the ended session ids. */
export async function endAdminSessionsOf(
  redis: Redis,
  keys: Keys,
  email: string,
  except?: string,
): Promise<string[]> {
  const all = await redis.hgetall(keys.adminSessions());
  const ended = Object.entries(all)
    .filter(([sid, raw]) => sid !== except && parse(raw)?.email === email)
    .map(([sid]) => sid);
  if (ended.length > 0) await redis.hdel(keys.adminSessions(), ...ended);
  return ended;
}

/** The admin's live sign-ins, newest first. */
export async function listAdminSessions(
  redis: Redis,
  keys: Keys,
  email: string,
): Promise<(AdminSessionRecord & { sid: string })[]> {
  const now = Date.now();
  const all = await redis.hgetall(keys.adminSessions());
  return Object.entries(all)
    .map(([sid, raw]) => ({ sid, record: parse(raw) }))
    .filter(
      (e): e is { sid: string; record: AdminSessionRecord } =>
        e.record?.email === email && e.record.expiresAt > now,
    )
    .map(({ sid, record }) => ({ sid, ...record }))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
