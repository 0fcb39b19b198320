// GET /api/broadcasts/:id — one broadcast with its counts and status
import { notFound, route } from "@/lib/api/handler";
import { getBroadcast, toPublic } from "@/lib/broadcasts";
import { BroadcastIdSchema } from "@/lib/schemas/broadcast";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin-or-token" }, async ({ deps, params }) => {
  const id = BroadcastIdSchema.safeParse(params.id);
  const b = id.success ? await getBroadcast(deps.redis, deps.keys, id.data) : null;
  if (!b) throw notFound("broadcast");
  return toPublic(b);
});
