import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { Keys } from "../redis/keys";
import { keyedMulti } from "../redis/pipeline";

/**
 * Failed admin sign-ins, counted in Redis per email and per client address over a fixed
 * window. Only failures count; once either counter reaches its limit every attempt for that
 * email or from that address is refused (without checking the password) until the window ends.
 */
export const SIGN_IN_WINDOW_SECONDS = 15 * 60;
/** Per email: a handful of typos, not a guessing run. */
export const MAX_FAILURES_PER_EMAIL = 5;
/** Per address: several admins may share an office's address. */
export const MAX_FAILURES_PER_ADDRESS = 20;

export interface SignInSubject {
  /** The email as typed (normalized here); any string, it is hashed into the key. */
  email: string;
  /** The client's address, or "unknown". */
  address: string;
}

// Hashed: the subject comes from the request, so it must not shape or bloat key names.
const digest = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 32);

function subjectKeys(keys: Keys, s: SignInSubject): [string, string] {
  return [
    keys.rateLimit("signin-email", digest(s.email.trim().toLowerCase())),
    keys.rateLimit("signin-addr", digest(s.address)),
  ];
}

/** True when this email or address has used up its failures for the current window. */
export async function isSignInBlocked(redis: Redis, keys: Keys, s: SignInSubject): Promise<boolean> {
  const [emailKey, addrKey] = subjectKeys(keys, s);
  // Two GETs, not MGET: the keys may live on different cluster slots.
  const [byEmail, byAddr] = await Promise.all([redis.get(emailKey), redis.get(addrKey)]);
  return Number(byEmail ?? 0) >= MAX_FAILURES_PER_EMAIL || Number(byAddr ?? 0) >= MAX_FAILURES_PER_ADDRESS;
}

/** Count one failed sign-in against both the email and the address (the window starts at the first). */
export async function recordSignInFailure(redis: Redis, keys: Keys, s: SignInSubject): Promise<void> {
  const [emailKey, addrKey] = subjectKeys(keys, s);
  await keyedMulti(redis)
    .incr(emailKey)
    .expire(emailKey, SIGN_IN_WINDOW_SECONDS, "NX")
    .incr(addrKey)
    .expire(addrKey, SIGN_IN_WINDOW_SECONDS, "NX")
    .exec();
}

/** A successful sign-in forgives the email's earlier typos (the address keeps its count). */
export async function clearSignInFailures(redis: Redis, keys: Keys, s: SignInSubject): Promise<void> {
  const [emailKey] = subjectKeys(keys, s);
  await redis.del(emailKey);
}

/**
 * The client's address from request headers. Next sets `x-forwarded-for` to the socket's
 * address only when the request has none; a proxy in front appends the address it saw, so
 * the last entry is the most trustworthy one available to a route handler. (Without a proxy
 * a client can send its own header; the custom server overwriting it with the socket's
 * address would close that gap. The per-email limit holds either way.)
 */
export function clientAddress(headers: Record<string, string | string[] | undefined>): string {
  const raw = headers["x-forwarded-for"];
  const xff = Array.isArray(raw) ? raw.join(",") : raw;
  const last = xff
    ?.split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .pop();
  return last ? last.slice(0, 100) : "unknown";
}
