// GET/POST /api/auth/* — next-auth (admin sign-in with email and password, CSRF token, sign-out).
// A credentials sign-in is counted against the limits first (lib/auth/sign-in-limit.ts): past
// them it answers 429 with Retry-After, without checking the password.

import type { NextRequest } from "next/server";
import NextAuth from "next-auth";
import { errorResponse } from "@/lib/api/handler";
import { authOptions } from "@/lib/auth/nextauth";
import {
  giveBackSignInAttempt,
  recordRefusal,
  takeSignInAttempt,
  typicalRefusalMs,
} from "@/lib/auth/sign-in-limit";
import { getDeps } from "@/lib/context";
import { clientAddress } from "@/lib/limits/address";
import { getLogger } from "@/lib/log";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ nextauth: string[] }> };
const handler = NextAuth(authOptions) as (req: NextRequest, ctx: Ctx) => Promise<Response>;

export const GET = handler;

export async function POST(req: NextRequest, ctx: Ctx): Promise<Response> {
  const { nextauth } = await ctx.params;
  if (nextauth.join("/") !== "callback/credentials") return handler(req, ctx);
  const started = performance.now();
  let email = "";
  try {
    const form = await req.clone().formData();
    const raw = form.get("email");
    email = typeof raw === "string" ? raw.slice(0, 320) : "";
  } catch {
    // not a form: next-auth refuses it below
  }
  const address = clientAddress(req.headers);
  const deps = getDeps();
  try {
    const attempt = await takeSignInAttempt(deps, email, address);
    if (!attempt.allowed) {
      getLogger().warn({ email, address }, "admin sign-in refused: too many attempts");
      // Answer as late as a password check would: the timing does not tell the limit was hit.
      const wait = typicalRefusalMs() - (performance.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const retryAfter = Math.max(1, Math.ceil(attempt.retryAfterMs / 1000));
      const url = new URL(`/admin/sign-in?error=RateLimited:${retryAfter}`, req.url);
      return Response.json(
        { url: url.toString(), error: { code: "rate_limited", message: "too many sign-in attempts" } },
        { status: 429, headers: { "retry-after": String(retryAfter), "cache-control": "no-store" } },
      );
    }
  } catch (err) {
    return errorResponse(err, req);
  }
  const res = await handler(req, ctx);
  const signedIn = res.headers.getSetCookie().some((c) => /next-auth\.session-token(\.\d+)?=[^;]/.test(c));
  if (signedIn) await giveBackSignInAttempt(deps, email, address).catch(() => {});
  else recordRefusal(performance.now() - started);
  return res;
}
