// GET /api/health — 200 when Redis answers, 503 otherwise (no auth: for load balancers)
import { getRedis } from "@/lib/redis/connection";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const t0 = performance.now();
  try {
    const pong = await Promise.race([
      getRedis().ping(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 1000)),
    ]);
    if (pong !== "PONG") throw new Error("unexpected reply");
    return Response.json({ status: "ok", redis: "up", latencyMs: Math.round(performance.now() - t0) });
  } catch {
    return Response.json({ status: "unavailable", redis: "down" }, { status: 503 });
  }
}
