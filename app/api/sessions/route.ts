// GET /api/sessions — sessions (with and without history), filtered, SCAN-paginated
import { route } from "@/lib/api/handler";
import { ListSessionsQuerySchema } from "@/lib/schemas/session";
import { listSessions } from "@/lib/sessions/query";

export const dynamic = "force-dynamic";

export const GET = route(
  { auth: "admin-or-token", scope: "sessions:read", query: ListSessionsQuerySchema },
  async ({ deps, query }) => listSessions({ ...deps, scanCount: deps.config.HERALD_SCAN_COUNT }, query),
);
