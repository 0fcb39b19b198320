// GET /api/broadcasts/:id/deliveries.csv — every per-session record as CSV (?status=&q= as the JSON list)
import { notFound, route } from "@/lib/api/handler";
import { getBroadcast, listDeliveries } from "@/lib/broadcasts";
import { getLogger } from "@/lib/log";
import { BroadcastIdSchema, DeliveriesQuerySchema, type DeliveryRecord } from "@/lib/schemas/broadcast";

export const dynamic = "force-dynamic";

const QuerySchema = DeliveriesQuerySchema.pick({ status: true, q: true });
const COLUMNS = ["session_id", "status", "list_created", "reason", "recorded_at", "delivered_at", "seen_at"];
const PAGE = 1000;

/** RFC 4180 quoting; a leading = + - @ is defused so spreadsheets never run a cell as a formula. */
function cell(v: string | boolean | undefined): string {
  let s = v === undefined ? "" : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const row = (d: DeliveryRecord) =>
  `${[d.sessionId, d.status, d.created ?? false, d.reason || undefined, d.at, d.deliveredAt, d.seenAt].map(cell).join(",")}\r\n`;

export const GET = route(
  { auth: "admin-or-token", scope: "broadcasts:read", query: QuerySchema },
  async ({ deps, params, query }) => {
    const id = BroadcastIdSchema.safeParse(params.id);
    if (!id.success || !(await getBroadcast(deps.redis, deps.keys, id.data))) throw notFound("broadcast");
    const bid = id.data;
    // Streamed page by page (HSCAN/SSCAN cursors): memory stays flat at 100,000 sessions.
    const first = await listDeliveries(deps.redis, deps.keys, bid, { ...query, cursor: "0", limit: PAGE });
    const encoder = new TextEncoder();
    let cursor = first.nextCursor;
    let pending: DeliveryRecord[] | null = first.deliveries;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(`${COLUMNS.join(",")}\r\n`));
      },
      async pull(controller) {
        try {
          if (pending === null) {
            if (cursor === null) return controller.close();
            const page = await listDeliveries(deps.redis, deps.keys, bid, { ...query, cursor, limit: PAGE });
            pending = page.deliveries;
            cursor = page.nextCursor;
          }
          controller.enqueue(encoder.encode(pending.map(row).join("")));
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
