// POST /chat/api/broadcast/ — the legacy app's endpoint, kept for existing scripts: it answers when
// the broadcast has run (a job, like every broadcast), with the legacy shape
import { route } from "@/lib/api/handler";
import { principalLabel } from "@/lib/auth/principal";
import { submitBroadcast, waitForBroadcast } from "@/lib/broadcasts";
import { LegacyBroadcastInputSchema } from "@/lib/schemas/broadcast";

export const dynamic = "force-dynamic";

/** The legacy endpoint was synchronous; a run longer than this answers 202 with what is stored so far. */
const LEGACY_WAIT_MS = 10 * 60_000;

export const POST = route(
  { auth: "admin-or-token", scope: "broadcasts:write", body: LegacyBroadcastInputSchema },
  async ({ req, deps, principal, body }) => {
    const since = Date.now();
    const sent = await submitBroadcast(
      deps,
      { ...body, target: { type: "all" } },
      principalLabel(principal!),
    );
    const { done, broadcast } = await waitForBroadcast(deps, sent.id, LEGACY_WAIT_MS, {
      since: sent.status === "queued" ? since : 0,
      signal: req.signal,
    });
    const answer = { success: true, sessions_updated: broadcast.stored, broadcast_id: sent.id };
    return done ? answer : Response.json({ ...answer, status: broadcast.status }, { status: 202 });
  },
);
