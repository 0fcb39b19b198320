// GET /api/broadcasts/:id/deliveries.csv — every per-session record as CSV (?status=&q= as the JSON
// list; ?for=spreadsheet defuses every cell, ids included). Session ids are exact by default:
// see lib/broadcasts/deliveries-csv.ts for why, and what each form protects against.
import { z } from "zod";
import { notFound, route } from "@/lib/api/handler";
import { getBroadcast, listDeliveries } from "@/lib/broadcasts";
import { deliveriesCsvHeader, deliveriesCsvRows } from "@/lib/broadcasts/deliveries-csv";
import { getLogger } from "@/lib/log";
import { BroadcastIdSchema, DeliveriesQuerySchema, type DeliveryRecord } from "@/lib/schemas/broadcast";

export const dynamic = "force-dynamic";

const QuerySchema = DeliveriesQuerySchema.pick({ status: true, q: true }).extend({
  for: z.enum(["data", "spreadsheet"]).default("data"),
});
const PAGE = 1000;

export const GET = route(
  { auth: "admin-or-token", scope: "broadcasts:read", query: QuerySchema },
  async ({ deps, params, query }) => {
    const id = BroadcastIdSchema.safeParse(params.id);
    if (!id.success || !(await getBroadcast(deps.redis, deps.keys, id.data))) throw notFound("broadcast");
    const bid = id.data;
    const { for: form, ...filters } = query;
    // Streamed page by page (HSCAN/SSCAN cursors): memory stays flat at 100,000 sessions.
    const first = await listDeliveries(deps.redis, deps.keys, bid, { ...filters, cursor: "0", limit: PAGE });
    const encoder = new TextEncoder();
    let cursor = first.nextCursor;
    let pending: DeliveryRecord[] | null = first.deliveries;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(deliveriesCsvHeader()));
      },
      async pull(controller) {
        try {
          if (pending === null) {
            if (cursor === null) return controller.close();
            const page = await listDeliveries(deps.redis, deps.keys, bid, {
              ...filters,
              cursor,
              limit: PAGE,
            });
            pending = page.deliveries;
            cursor = page.nextCursor;
          }
          // Enqueued even when empty (a filtered page may match nothing): that is what asks for the next pull.
          controller.enqueue(encoder.encode(pending.length > 0 ? deliveriesCsvRows(pending, form) : ""));
          pending = null;
        } catch (err) {
          getLogger().error({ err: String(err), broadcastId: bid }, "CSV export failed midway");
          controller.error(err);
        }
      },
    });
    const suffix = query.status ? `-${query.status}` : "";
    return new Response(stream, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="broadcast-${bid}${suffix}.csv"`,
        "cache-control": "no-store",
      },
    });
  },
);
