// GET /api/sessions/:id/messages — one session's history, oldest first (unknown entries raw)
import { notFound, route } from "@/lib/api/handler";
import { SessionIdSchema } from "@/lib/schemas/broadcast";
import { readHistory, sessionExists } from "@/lib/sessions/history";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin-or-token", scope: "sessions:read" }, async ({ deps, params }) => {
  const id = SessionIdSchema.safeParse(params.id);
  if (!id.success || !(await sessionExists(deps.redis, deps.keys, id.data))) throw notFound("session");
  return { id: id.data, messages: await readHistory(deps.redis, deps.keys, id.data) };
});
