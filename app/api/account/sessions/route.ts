// DELETE /api/account/sessions — sign out everywhere else (every sign-in of this admin but this one)
import { route } from "@/lib/api/handler";
import { endSignInsOf } from "@/lib/auth/account";

export const dynamic = "force-dynamic";

export const DELETE = route({ auth: "admin" }, async ({ deps, principal }) => {
  const me = principal as { kind: "admin"; email: string; sid: string };
  return { endedSessions: await endSignInsOf(deps, me.email, me.sid) };
});
