// POST /api/account/password — change the signed-in admin's password; their other sign-ins end
import { route } from "@/lib/api/handler";
import { changeOwnPassword } from "@/lib/auth/account";
import { clientAddress } from "@/lib/limits/address";
import { ChangePasswordInputSchema } from "@/lib/schemas/admin";

export const dynamic = "force-dynamic";

export const POST = route(
  { auth: "admin", body: ChangePasswordInputSchema },
  async ({ req, deps, principal, body }) => {
    const me = principal as { kind: "admin"; email: string; sid: string };
    const { endedSessions } = await changeOwnPassword(
      deps,
      { email: me.email, sid: me.sid, address: clientAddress(req.headers) },
      body.currentPassword,
      body.newPassword,
    );
    return { ok: true, endedSessions };
  },
);
