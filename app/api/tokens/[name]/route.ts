// DELETE /api/tokens/:name — revoke a token: requests using it are refused from now on
import { notFound, route } from "@/lib/api/handler";
import { withdrawToken } from "@/lib/auth/account";

export const dynamic = "force-dynamic";

export const DELETE = route({ auth: "admin" }, async ({ deps, principal, params }) => {
  const name = params.name ?? "";
  const me = principal as { kind: "admin"; email: string };
  if (!(await withdrawToken(deps, me.email, name))) throw notFound(`token "${name}"`);
  return { ok: true };
});
