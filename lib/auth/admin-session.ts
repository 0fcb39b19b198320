import { decode } from "next-auth/jwt";
import { getDeps } from "../context";
import { parseCookies } from "../sessions/visitor";
import { isAdminSessionValid } from "./admin-sessions";

/**
 * The admin's sign-in session, read from next-auth's JWT cookie. Used by route handlers
 * (through lib/auth/principal.ts), the admin pages' layout and the `/admin` Socket.IO
 * namespace, so all three agree on who is signed in.
 */
export const SESSION_COOKIE_NAMES = ["__Secure-next-auth.session-token", "next-auth.session-token"] as const;

/**
 * The session token in a Cookie header: the plain cookie, or next-auth's chunks
 * (`<name>.0`, `<name>.1`, …) joined in order when the token outgrew one cookie.
 */
export function sessionTokenFromCookies(cookieHeader: string | undefined): string | null {
  const cookies = parseCookies(cookieHeader);
  for (const name of SESSION_COOKIE_NAMES) {
    if (cookies[name]) return cookies[name];
    const chunks = Object.keys(cookies)
      .filter((k) => k.startsWith(`${name}.`) && /^\d+$/.test(k.slice(name.length + 1)))
      .sort((a, b) => Number(a.slice(name.length + 1)) - Number(b.slice(name.length + 1)));
    if (chunks.length > 0) return chunks.map((k) => cookies[k]).join("");
  }
  return null;
}

/** The sign-in's claims in the cookie, when it decrypts with the auth secret and is unexpired. */
export async function decodeAdminCookie(
  cookieHeader: string | undefined,
): Promise<{ email: string; sid: string } | null> {
  const token = sessionTokenFromCookies(cookieHeader);
  const secret = process.env.NEXTAUTH_SECRET ?? process.env.AUTH_SECRET;
  if (!token || !secret || token.length > 16_384) return null;
  try {
    const payload = await decode({ token, secret });
    const { email, sid } = payload ?? {};
    return typeof email === "string" && email !== "" && typeof sid === "string" ? { email, sid } : null;
  } catch {
    // forged, tampered with, expired, or signed with another secret
    return null;
  }
}

/**
 * The signed-in admin, or null: the cookie must decode (above), name an admin that still exists
 * and a sign-in that has not been ended (sign-out, password change, removal: lib/auth/admin-sessions.ts).
 * Redis errors propagate, so callers answer 503 rather than 401.
 */
export async function adminFromCookieHeader(
  cookieHeader: string | undefined,
): Promise<{ email: string; sid: string } | null> {
  const claims = await decodeAdminCookie(cookieHeader);
  if (!claims) return null;
  const { redis, keys } = getDeps();
  const [exists, valid] = await Promise.all([
    redis.hexists(keys.admins(), claims.email),
    isAdminSessionValid(redis, keys, claims.sid, claims.email),
  ]);
  return exists === 1 && valid ? claims : null;
}
