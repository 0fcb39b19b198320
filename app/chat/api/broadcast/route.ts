// POST /chat/api/broadcast/ — the legacy app's endpoint, kept for existing scripts
import { route } from "@/lib/api/handler";
import { principalLabel } from "@/lib/auth/principal";
import { sendBroadcast } from "@/lib/broadcasts";
import { getEmitters } from "@/lib/realtime/emitter";
import { LegacyBroadcastInputSchema } from "@/lib/schemas/broadcast";

export const dynamic = "force-dynamic";

export const POST = route(
  { auth: "admin-or-token", body: LegacyBroadcastInputSchema },
  async ({ deps, principal, body }) => {
    const summary = await sendBroadcast(
      deps,
      { ...body, target: { type: "all" } },
      principalLabel(principal!),
      {
        emitters: getEmitters(),
      },
    );
    return { success: true, sessions_updated: summary.stored, broadcast_id: summary.id };
  },
);
