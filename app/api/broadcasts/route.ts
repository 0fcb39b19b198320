// POST /api/broadcasts — send a broadcast: 202 {id, status} + Location once its record and job exist;
//                        ?wait=<s> answers 200 with the summary when the run ends in time
// GET  /api/broadcasts — history, newest first
import { route } from "@/lib/api/handler";
import { principalLabel } from "@/lib/auth/principal";
import { listBroadcasts, submitBroadcast, toSummary, waitForBroadcast } from "@/lib/broadcasts";
import { BroadcastInputSchema, ListBroadcastsQuerySchema, SendQuerySchema } from "@/lib/schemas/broadcast";

export const dynamic = "force-dynamic";

export const POST = route(
  { auth: "admin-or-token", scope: "broadcasts:write", body: BroadcastInputSchema, query: SendQuerySchema },
  async ({ req, deps, principal, body, query }) => {
    // An Idempotency-Key header works like the body's `id`: resending it stores nothing twice.
    const key = req.headers.get("idempotency-key");
    const input = key && !body.id ? BroadcastInputSchema.parse({ ...body, id: key }) : body;
    const since = Date.now();
    const sent = await submitBroadcast(deps, input, principalLabel(principal!));
    const location = `/api/broadcasts/${encodeURIComponent(sent.id)}`;
    if (query.wait) {
      const { done, broadcast } = await waitForBroadcast(deps, sent.id, query.wait * 1000, {
        since: sent.status === "queued" ? since : 0,
        signal: req.signal,
      });
      if (done) return Response.json(toSummary(broadcast), { status: 200, headers: { location } });
      return Response.json({ id: sent.id, status: broadcast.status }, { status: 202, headers: { location } });
    }
    return Response.json(sent, { status: 202, headers: { location } });
  },
);

export const GET = route(
  { auth: "admin-or-token", scope: "broadcasts:read", query: ListBroadcastsQuerySchema },
  async ({ deps, query }) => listBroadcasts(deps.redis, deps.keys, Number(query.cursor), query.limit),
);
