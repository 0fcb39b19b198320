// GET /api/audit — the audit trail, newest first (?cursor=&limit=&broadcastId=)
import { route } from "@/lib/api/handler";
import { AuditQuerySchema, listAudit } from "@/lib/audit";

export const dynamic = "force-dynamic";

export const GET = route(
  { auth: "admin-or-token", scope: "broadcasts:read", query: AuditQuerySchema },
  async ({ deps, query }) => listAudit(deps, query),
);
