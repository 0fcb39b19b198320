import { QueryClient } from "@tanstack/react-query";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PreviewResult } from "@/lib/schemas/session";
import { previewQueryFn, previewStaleTime } from "./api";

const answer = (total: number, counting?: PreviewResult["counting"]): PreviewResult => ({
  total,
  empty: total / 2,
  withMessages: total / 2,
  online: 0,
  sample: [],
  ...(counting ? { counting } : {}),
});

/** A fetch that answers the preview endpoint with `answers` in turn and keeps the bodies it got. */
function stubFetch(answers: PreviewResult[]) {
  const bodies: unknown[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (_url: string, init: RequestInit) => {
      bodies.push(JSON.parse(String(init.body)));
      return new Response(JSON.stringify(answers[bodies.length - 1]), { status: 200 });
    }),
  );
  return bodies;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the preview query", () => {
  it("shows each estimate as it comes, sends its point back, and ends on the exact counts", async () => {
    const bodies = stubFetch([
      answer(990, { walked: 0.3, resume: "5.297.150.ab" }),
      answer(1010, { walked: 0.7, resume: "9.707.353.ab" }),
      answer(1000),
    ]);
    const client = new QueryClient();
    const queryKey = ["preview", { type: "all" }];
    const shown: (number | undefined)[] = [];
    const unsubscribe = client.getQueryCache().subscribe((e) => {
      if (e.type === "updated" && e.action.type === "success")
        shown.push((e.query.state.data as PreviewResult | undefined)?.total);
    });
    const final = await client.fetchQuery({ queryKey, queryFn: previewQueryFn({ type: "all" }) });
    unsubscribe();
    expect(bodies).toEqual([
      { target: { type: "all" } },
      { target: { type: "all" }, resume: "5.297.150.ab" },
      { target: { type: "all" }, resume: "9.707.353.ab" },
    ]);
    expect(shown.slice(0, 3)).toEqual([990, 1010, 1000]);
    expect(final.total).toBe(1000);
    expect(final.counting).toBeUndefined();
  });

  it("a recount over exact counts keeps them on screen until its own count is over", async () => {
    stubFetch([answer(1000), answer(1200, { walked: 0.5, resume: "7.600.300.ab" }), answer(1100)]);
    const client = new QueryClient();
    const queryKey = ["stats"];
    const queryFn = previewQueryFn({ type: "all" });
    await client.fetchQuery({ queryKey, queryFn });
    const shown: (number | undefined)[] = [];
    const unsubscribe = client.getQueryCache().subscribe((e) => {
      if (e.type === "updated" && e.action.type === "success")
        shown.push((e.query.state.data as PreviewResult | undefined)?.total);
    });
    await client.fetchQuery({ queryKey, queryFn, staleTime: 0 });
    unsubscribe();
    expect(shown).toEqual([1100]);
  });

  it("an estimate left by a stopped count is stale at once; exact counts stay fresh", () => {
    const stale = previewStaleTime(30_000);
    const query = (data: PreviewResult) => ({ state: { data } }) as Parameters<typeof stale>[0];
    expect(stale(query(answer(990, { walked: 0.3, resume: "5.297.150.ab" })))).toBe(0);
    expect(stale(query(answer(1000)))).toBe(30_000);
  });

  it("asks once when the first answer is exact (named sessions, a small keyspace)", async () => {
    const bodies = stubFetch([answer(4)]);
    const client = new QueryClient();
    const target = { type: "sessions" as const, ids: ["a", "b", "c", "d"] };
    const final = await client.fetchQuery({ queryKey: ["preview", target], queryFn: previewQueryFn(target) });
    expect(bodies).toEqual([{ target }]);
    expect(final.total).toBe(4);
  });
});
