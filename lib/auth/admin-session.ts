import { decode } from "next-auth/jwt";
import { getDeps } from "../context";
import { parseCookies } from "../sessions/visitor";

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

/**
 * The signed-in admin, or null: the token must decrypt with the auth secret, be unexpired,
 * and name an admin that still exists in Redis (a deleted admin's cookie stops working at once).
 * Redis errors propagate, so callers answer 503 rather than 401.
 */
export async function adminFromCookieHeader(
  cookieHeader: string | undefined,
): Promise<{ email: string } | null> {
  const token = sessionTokenFromCookies(cookieHeader);
  const secret = process.env.NEXTAUTH_SECRET ?? process.env.AUTH_SECRET;
  if (!token || !secret || token.length > 16_384) return null;
  let email: unknown;
  try {
    const payload = await decode({ token, secret });
    email = payload?.email;
  } catch {
    // forged, tampered with, expired, or signed with another secret
    return null;
  }
  if (typeof email !== "string" || email === "") return null;
  const { redis, keys } = getDeps();
  return (await redis.hexists(keys.admins(), email)) === 1 ? { email } : null;
}
