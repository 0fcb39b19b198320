// DELETE /api/admins/:email — remove another admin; their sign-ins end at once
import { route } from "@/lib/api/handler";
import { removeAdmin } from "@/lib/auth/account";

export const dynamic = "force-dynamic";

export const DELETE = route({ auth: "admin" }, async ({ deps, principal, params }) => {
  const me = principal as { kind: "admin"; email: string };
  await removeAdmin(deps, me.email, params.email ?? "");
  return { ok: true };
});
