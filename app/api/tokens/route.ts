// GET  /api/tokens — API tokens (names, scopes, created, last used; never the secrets)
// POST /api/tokens — create one {name, scopes}: 201 {token, info}, the secret shown this once
import { route } from "@/lib/api/handler";
import { issueToken } from "@/lib/auth/account";
import { listTokens } from "@/lib/auth/tokens";
import { CreateTokenInputSchema } from "@/lib/schemas/token";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin" }, async ({ deps }) => ({
  tokens: await listTokens(deps.redis, deps.keys),
}));

export const POST = route(
  { auth: "admin", body: CreateTokenInputSchema },
  async ({ deps, principal, body }) => {
    const me = principal as { kind: "admin"; email: string };
    const created = await issueToken(deps, me.email, body.name, body.scopes);
    return Response.json(created, { status: 201, headers: { "cache-control": "no-store" } });
  },
);
