// GET  /api/admins — the console's admins (never their password hashes)
// POST /api/admins — add an admin {email, password}
import { route } from "@/lib/api/handler";
import { addAdmin } from "@/lib/auth/account";
import { listAdminSessions } from "@/lib/auth/admin-sessions";
import { listAdmins } from "@/lib/auth/admins";
import { principalLabel } from "@/lib/auth/principal";
import { AddAdminInputSchema, type AdminListItem } from "@/lib/schemas/admin";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin" }, async ({ deps }) => {
  const admins = await listAdmins(deps.redis, deps.keys);
  const items: AdminListItem[] = await Promise.all(
    admins.map(async (a) => ({
      ...a,
      activeSessions: (await listAdminSessions(deps.redis, deps.keys, a.email)).length,
    })),
  );
  return { admins: items };
});

export const POST = route({ auth: "admin", body: AddAdminInputSchema }, async ({ deps, principal, body }) => {
  const info = await addAdmin(deps, principalLabel(principal!), body.email, body.password);
  return Response.json({ admin: { ...info, activeSessions: 0 } }, { status: 201 });
});
