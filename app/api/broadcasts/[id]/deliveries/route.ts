// GET /api/broadcasts/:id/deliveries — per-session delivery records, paginated in Redis
import { notFound, route } from "@/lib/api/handler";
import { getBroadcast, listDeliveries } from "@/lib/broadcasts";
import { BroadcastIdSchema, DeliveriesQuerySchema } from "@/lib/schemas/broadcast";

export const dynamic = "force-dynamic";

export const GET = route(
  { auth: "admin-or-token", scope: "broadcasts:read", query: DeliveriesQuerySchema },
  async ({ deps, params, query }) => {
    const id = BroadcastIdSchema.safeParse(params.id);
    if (!id.success || !(await getBroadcast(deps.redis, deps.keys, id.data))) throw notFound("broadcast");
    return listDeliveries(deps.redis, deps.keys, id.data, query);
  },
);
