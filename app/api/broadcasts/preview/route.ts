// POST /api/broadcasts/preview — who a target reaches: counts and a first page of sessions
import { route } from "@/lib/api/handler";
import { PreviewInputSchema } from "@/lib/schemas/broadcast";
import { previewTarget } from "@/lib/sessions/query";

export const dynamic = "force-dynamic";

export const POST = route(
  { auth: "admin-or-token", scope: "sessions:read", body: PreviewInputSchema },
  async ({ deps, body }) =>
    previewTarget({ ...deps, scanCount: deps.config.HERALD_SCAN_COUNT }, body.target, {
      budgetMs: deps.config.HERALD_PREVIEW_BUDGET_MS,
      resume: body.resume,
    }),
);
