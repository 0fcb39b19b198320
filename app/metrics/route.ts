// GET /metrics — Prometheus text; needs a bearer token unless HERALD_METRICS_PUBLIC=1
import { type NextRequest, NextResponse } from "next/server";
import { errorResponse } from "@/lib/api/handler";
import { authenticate } from "@/lib/auth/principal";
import { countJobs } from "@/lib/broadcasts/jobs";
import { getDeps } from "@/lib/context";
import { renderMetrics } from "@/lib/metrics";

export const dynamic = "force-dynamic";

export async function GET(req: NextRequest): Promise<Response> {
  try {
    const deps = getDeps();
    if (!deps.config.HERALD_METRICS_PUBLIC) await authenticate(deps, req.headers);
    const { body, contentType } = await renderMetrics(deps, { jobCounts: () => countJobs(deps) });
    return new NextResponse(body, { headers: { "content-type": contentType } });
  } catch (err) {
    return errorResponse(err, req);
  }
}
