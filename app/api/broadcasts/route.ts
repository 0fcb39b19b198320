// POST /api/broadcasts — send a broadcast (runs the fan-out, answers its summary)
// GET  /api/broadcasts — history, newest first
import { route } from "@/lib/api/handler";
import { principalLabel } from "@/lib/auth/principal";
import { listBroadcasts, sendBroadcast } from "@/lib/broadcasts";
import { getEmitters } from "@/lib/realtime/emitter";
import { BroadcastInputSchema, ListBroadcastsQuerySchema } from "@/lib/schemas/broadcast";

export const dynamic = "force-dynamic";

export const POST = route(
  { auth: "admin-or-token", body: BroadcastInputSchema },
  async ({ req, deps, principal, body }) => {
    // An Idempotency-Key header works like the body's `id`: resending it stores nothing twice.
    const key = req.headers.get("idempotency-key");
    const input = key && !body.id ? BroadcastInputSchema.parse({ ...body, id: key }) : body;
    return sendBroadcast(deps, input, principalLabel(principal!), { emitters: getEmitters() });
  },
);

export const GET = route(
  { auth: "admin-or-token", query: ListBroadcastsQuerySchema },
  async ({ deps, query }) => listBroadcasts(deps.redis, deps.keys, Number(query.cursor), query.limit),
);
