import type { Deps } from "../context";
import { HeraldError } from "../errors";
import type { TokenScope } from "../schemas/token";
import { adminFromCookieHeader } from "./admin-session";
import { verifyToken } from "./tokens";

/** Who is calling: a signed-in admin (cookie, all powers) or a script (bearer token, its scopes). */
export type Principal =
  | { kind: "admin"; email: string; sid: string }
  | { kind: "token"; name: string; scopes: TokenScope[] };

/** Refuse a token without `scope` (403); an admin may do everything. */
export function assertScope(p: Principal, scope: TokenScope): void {
  if (p.kind === "token" && !p.scopes.includes(scope)) {
    throw new HeraldError("forbidden", `this token lacks the "${scope}" scope`);
  }
}

export const principalLabel = (p: Principal) => (p.kind === "admin" ? p.email : `token:${p.name}`);

/**
 * Authenticate a request to an admin-or-token route. A bearer token, when present, must be
 * valid (no fallback to the cookie); otherwise the admin's sign-in cookie is tried.
 */
export async function authenticate(deps: Deps, headers: Headers): Promise<Principal> {
  const authz = headers.get("authorization");
  if (authz !== null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
    if (!m) throw new HeraldError("unauthorized", "Authorization must be 'Bearer <token>'");
    const verified = await verifyToken(deps.redis, deps.keys, m[1]!);
    if (!verified) throw new HeraldError("unauthorized", "invalid or revoked token");
    return { kind: "token", ...verified };
  }
  const admin = await adminFromCookieHeader(headers.get("cookie") ?? undefined);
  if (admin) return { kind: "admin", ...admin };
  throw new HeraldError("unauthorized", "sign in or send 'Authorization: Bearer <token>'");
}

/**
 * A cookie-authenticated request that changes something must come from Herald's own origin:
 * the browser always sends Origin on cross-site POSTs, so a missing or foreign Origin is refused.
 */
export function assertSameOrigin(headers: Headers, requestUrl: string): void {
  const origin = headers.get("origin");
  const host = headers.get("x-forwarded-host") ?? headers.get("host");
  const own = new Set<string>([new URL(requestUrl).origin]);
  if (host) {
    own.add(`http://${host}`);
    own.add(`https://${host}`);
  }
  if (!origin || !own.has(origin)) throw new HeraldError("forbidden", "cross-origin request refused");
}
