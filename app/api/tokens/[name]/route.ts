// DELETE /api/tokens/:name — revoke a token: requests using it are refused from now on
import { notFound, route } from "@/lib/api/handler";
import { revokeToken } from "@/lib/auth/tokens";

export const dynamic = "force-dynamic";

export const DELETE = route({ auth: "admin" }, async ({ deps, principal, params }) => {
  const name = params.name ?? "";
  if (!(await revokeToken(deps.redis, deps.keys, name))) throw notFound(`token "${name}"`);
  deps.log.info(
    { actor: principal?.kind === "admin" ? principal.email : null, token: name },
    "API token revoked",
  );
  return { ok: true };
});
