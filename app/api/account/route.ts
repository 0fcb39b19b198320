// GET /api/account — the signed-in admin and their live sign-ins (the console's Settings page)
import { route } from "@/lib/api/handler";
import { listAdminSessions } from "@/lib/auth/admin-sessions";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin" }, async ({ deps, principal }) => {
  const me = principal as { kind: "admin"; email: string; sid: string };
  const sessions = await listAdminSessions(deps.redis, deps.keys, me.email);
  return {
    email: me.email,
    sessions: sessions.map(({ sid, createdAt, address, userAgent }) => ({
      current: sid === me.sid,
      createdAt,
      address: address ?? null,
      userAgent: userAgent ?? null,
    })),
  };
});
