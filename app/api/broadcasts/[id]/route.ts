// GET    /api/broadcasts/:id — one broadcast with its counts and status
// DELETE /api/broadcasts/:id — retract it: its copy leaves every session's history (202 while that runs)
import { notFound, route } from "@/lib/api/handler";
import { principalLabel } from "@/lib/auth/principal";
import { getBroadcast, toPublic } from "@/lib/broadcasts";
import { retractBroadcast } from "@/lib/broadcasts/lifecycle";
import { getEmitters } from "@/lib/realtime/emitter";
import { BroadcastIdSchema } from "@/lib/schemas/broadcast";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin-or-token", scope: "broadcasts:read" }, async ({ deps, params }) => {
  const id = BroadcastIdSchema.safeParse(params.id);
  const b = id.success ? await getBroadcast(deps.redis, deps.keys, id.data) : null;
  if (!b) throw notFound("broadcast");
  return toPublic(b);
});

export const DELETE = route(
  { auth: "admin-or-token", scope: "broadcasts:write" },
  async ({ deps, params, principal }) => {
    const id = BroadcastIdSchema.safeParse(params.id);
    if (!id.success) throw notFound("broadcast");
    const res = await retractBroadcast(deps, id.data, principalLabel(principal!), {
      emitters: getEmitters(),
    });
    return Response.json(res, { status: res.retraction === "done" ? 200 : 202 });
  },
);
