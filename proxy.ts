import type { NextFetchEvent, NextRequest } from "next/server";
import { withAuth } from "next-auth/middleware";

/**
 * Next 16's request proxy (formerly middleware): admin pages need a valid sign-in cookie,
 * otherwise the visitor is sent to the sign-in page with a callbackUrl. withAuth skips the
 * sign-in page itself. The console's layout also checks that the admin still exists in Redis.
 */
const requireAdmin = withAuth({ pages: { signIn: "/admin/sign-in", error: "/admin/sign-in" } });

export function proxy(req: NextRequest, ev: NextFetchEvent) {
  return requireAdmin(req as Parameters<typeof requireAdmin>[0], ev);
}

export const config = { matcher: ["/admin", "/admin/:path*"] };
