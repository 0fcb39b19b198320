// POST /api/broadcasts/:id/cancel — stop a scheduled, queued or running broadcast; 409 once it has finished
import { notFound, route } from "@/lib/api/handler";
import { principalLabel } from "@/lib/auth/principal";
import { cancelBroadcast } from "@/lib/broadcasts/lifecycle";
import { getEmitters } from "@/lib/realtime/emitter";
import { BroadcastIdSchema } from "@/lib/schemas/broadcast";

export const dynamic = "force-dynamic";

export const POST = route(
  { auth: "admin-or-token", scope: "broadcasts:write" },
  async ({ deps, params, principal }) => {
    const id = BroadcastIdSchema.safeParse(params.id);
    if (!id.success) throw notFound("broadcast");
    return cancelBroadcast(deps, id.data, principalLabel(principal!), getEmitters());
  },
);
