// GET  /api/tokens — API tokens (names, scopes, created, last used; never the secrets)
// POST /api/tokens — create one {name, scopes}: 201 {token, info}, the secret shown this once
import { route } from "@/lib/api/handler";
import { createToken, listTokens } from "@/lib/auth/tokens";
import { CreateTokenInputSchema } from "@/lib/schemas/token";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin" }, async ({ deps }) => ({
  tokens: await listTokens(deps.redis, deps.keys),
}));

export const POST = route(
  { auth: "admin", body: CreateTokenInputSchema },
  async ({ deps, principal, body }) => {
    const me = principal as { kind: "admin"; email: string };
    const token = await createToken(deps.redis, deps.keys, body.name, {
      scopes: body.scopes,
      createdBy: me.email,
    });
    deps.log.info({ actor: me.email, token: body.name, scopes: body.scopes }, "API token created");
    const info = (await listTokens(deps.redis, deps.keys)).find((t) => t.name === body.name);
    return Response.json({ token, info }, { status: 201, headers: { "cache-control": "no-store" } });
  },
);
