// GET  /chat/api/messages — the visitor's own history, oldest first (unknown legacy entries raw)
// POST /chat/api/messages — append the visitor's message to their session's list
// The session comes only from the httpOnly cookie (route auth "visitor"), never from the body or query.
import { route } from "@/lib/api/handler";
import { recentlyRetracted } from "@/lib/broadcasts/lifecycle";
import { clientAddress } from "@/lib/limits/address";
import { admitChatMessage } from "@/lib/limits/chat";
import { getEmitters } from "@/lib/realtime/emitter";
import { sessionRoom } from "@/lib/redis/keys";
import { UserMessageInputSchema } from "@/lib/schemas/message";
import { appendUserMessage, readHistory } from "@/lib/sessions/history";
import { touchVisitor } from "@/lib/sessions/visitor";

export const dynamic = "force-dynamic";

const NO_STORE = { "cache-control": "no-store" };

export const GET = route({ auth: "visitor" }, async ({ deps, visitor }) => {
  const [messages, retracted] = await Promise.all([
    readHistory(deps.redis, deps.keys, visitor!),
    recentlyRetracted(deps),
  ]);
  // `retracted`: broadcasts taken back lately, so a tab drops one it got live before (it is
  // already gone from `messages`).
  return Response.json({ messages, retracted }, { headers: NO_STORE });
});

export const POST = route(
  { auth: "visitor", body: UserMessageInputSchema },
  async ({ req, deps, visitor, body }) => {
    const { redis, keys, config } = deps;
    const sessionId = visitor!;
    await admitChatMessage(deps, sessionId, clientAddress(req.headers));
    const message = await appendUserMessage(redis, keys, sessionId, body.message, {
      ttlSeconds: config.HERALD_MESSAGE_TTL_SECONDS,
      maxEntries: config.HERALD_USER_HISTORY_MAX,
    });
    await touchVisitor(redis, keys, sessionId, config.HERALD_SESSION_TTL_SECONDS);
    // The session's other tabs show it at once; the sending tab dedupes it by id.
    getEmitters().users.to(sessionRoom(sessionId)).emit("message", message);
    return Response.json({ message }, { status: 201, headers: NO_STORE });
  },
);
