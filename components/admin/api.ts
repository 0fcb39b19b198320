import type { Query, QueryFunctionContext } from "@tanstack/react-query";
import type {
  Broadcast,
  BroadcastInput,
  BroadcastSummary,
  DeliveryRecord,
  DeliveryStatus,
  Target,
} from "@/lib/schemas/broadcast";
import type { HistoryEntry } from "@/lib/schemas/message";
import type { PreviewResult, SessionFilter, SessionPage } from "@/lib/schemas/session";

/** An error answered by the API, in the contract's `{"error":{code,message,issues?}}` shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { path: (string | number)[]; message: string }[] = [],
  ) {
    super(message);
  }
}

export const SIGN_IN_PATH = "/admin/sign-in";

/** Fetch JSON from Herald's API (same origin: the sign-in cookie authenticates). */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
) {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? "GET",
      headers:
        init.body === undefined ? { accept: "application/json" } : { "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: "same-origin",
      cache: "no-store",
      signal: init.signal,
    });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError(0, "network", "Herald could not be reached. Check your connection.");
  }
  if (res.status === 401 && typeof window !== "undefined") {
    // The sign-in ended (expired, or the admin was removed): back to the sign-in page.
    const back = window.location.pathname + window.location.search;
    window.location.assign(`${SIGN_IN_PATH}?callbackUrl=${encodeURIComponent(back)}`);
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (a proxy's error page): reported below
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; issues?: ApiError["issues"] } } | null)
      ?.error;
    throw new ApiError(res.status, e?.code ?? "http", e?.message ?? `HTTP ${res.status}`, e?.issues ?? []);
  }
  return data as T;
}

/** Query keys in one place, so live events can invalidate exactly what they change. */
export const qk = {
  stats: ["stats"] as const,
  broadcasts: (cursor: string, limit: number) => ["broadcasts", cursor, limit] as const,
  allBroadcasts: ["broadcasts"] as const,
  broadcast: (id: string) => ["broadcast", id] as const,
  deliveries: (id: string, status: string, q: string, cursor: string) =>
    ["deliveries", id, status, q, cursor] as const,
  allDeliveries: (id: string) => ["deliveries", id] as const,
  preview: (target: Target) => ["preview", target] as const,
  sessions: (filter: SessionFilter, q: string, cursor: string, limit: number) =>
    ["sessions", filter, q, cursor, limit] as const,
  sessionMessages: (id: string) => ["session-messages", id] as const,
  account: ["account"] as const,
  admins: ["admins"] as const,
  tokens: ["tokens"] as const,
};

export interface BroadcastList {
  broadcasts: Broadcast[];
  nextCursor: string | null;
  total: number;
}

export interface DeliveryPage {
  deliveries: DeliveryRecord[];
  nextCursor: string | null;
}

const enc = encodeURIComponent;

/**
 * A target's preview, answer after answer: counting all sessions at scale answers within the
 * server's time budget with estimates and a point to go on from (`counting`); each answer is
 * shown as it comes, and the last one is exact.
 */
async function* previewAnswers(target: Target, signal: AbortSignal): AsyncGenerator<PreviewResult> {
  let resume: string | undefined;
  do {
    const answer = await api<PreviewResult>("/api/broadcasts/preview", {
      method: "POST",
      body: resume ? { target, resume } : { target },
      signal,
    });
    yield answer;
    resume = answer.counting?.resume;
  } while (resume && !signal.aborted);
}

/**
 * The query function of a target's preview: each estimate is shown as it comes (written to the
 * cache while the count goes on), and the exact counts are the query's result. A refetch over
 * exact counts keeps showing them until its own count is over.
 */
export const previewQueryFn =
  (target: Target) =>
  async ({ client, queryKey, signal }: QueryFunctionContext): Promise<PreviewResult> => {
    const shown = client.getQueryData<PreviewResult>(queryKey);
    const showEstimates = !shown || shown.counting !== undefined;
    let last: PreviewResult | undefined;
    for await (const answer of previewAnswers(target, signal)) {
      last = answer;
      if (answer.counting && showEstimates) client.setQueryData(queryKey, answer);
    }
    if (!last) throw new Error("the preview was stopped");
    return last;
  };

/**
 * How long a preview's counts stay fresh: an estimate left by a count that was stopped (its
 * page closed, its target changed) is stale at once, so it is counted again, never kept.
 */
export const previewStaleTime =
  (freshMs: number) => (query: Query<PreviewResult, Error, PreviewResult, readonly unknown[]>) =>
    query.state.data?.counting ? 0 : freshMs;

export const fetchers = {
  /** One preview answer (for `all` at scale possibly an estimate: see previewQueryFn). */
  preview: (target: Target) =>
    api<PreviewResult>("/api/broadcasts/preview", { method: "POST", body: { target } }),
  broadcasts: (cursor: string, limit: number) =>
    api<BroadcastList>(`/api/broadcasts?cursor=${enc(cursor)}&limit=${limit}`),
  broadcast: (id: string) => api<Broadcast>(`/api/broadcasts/${enc(id)}`),
  deliveries: (
    id: string,
    o: { status?: DeliveryStatus | ""; q?: string; cursor: string; limit: number },
  ) => {
    const p = new URLSearchParams({ cursor: o.cursor, limit: String(o.limit) });
    if (o.status) p.set("status", o.status);
    if (o.q) p.set("q", o.q);
    return api<DeliveryPage>(`/api/broadcasts/${enc(id)}/deliveries?${p}`);
  },
  sessions: (o: { filter: SessionFilter; q?: string; cursor: string; limit: number }) => {
    const p = new URLSearchParams({ filter: o.filter, cursor: o.cursor, limit: String(o.limit) });
    if (o.q) p.set("q", o.q);
    return api<SessionPage>(`/api/sessions?${p}`);
  },
  sessionMessages: (id: string) =>
    api<{ id: string; messages: HistoryEntry[] }>(`/api/sessions/${enc(id)}/messages`),
  send: (input: BroadcastInput) => api<BroadcastSummary>("/api/broadcasts", { method: "POST", body: input }),
};

/**
 * CSV export of a broadcast's deliveries, with the report's current filters. People open it in a
 * spreadsheet: the form with every cell defused (a hostile id cannot run as a formula).
 */
export function deliveriesCsvUrl(id: string, o: { status?: string; q?: string }): string {
  const p = new URLSearchParams({ for: "spreadsheet" });
  if (o.status) p.set("status", o.status);
  if (o.q) p.set("q", o.q);
  const qs = p.toString();
  return `/api/broadcasts/${enc(id)}/deliveries.csv${qs ? `?${qs}` : ""}`;
}

/**
 * A random UUID v4. crypto.randomUUID exists only in secure contexts (https, localhost);
 * the console may well be opened over plain http on a LAN address.
 */
export function newBroadcastId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The compose page's send mutation; the report page reads its outcome (useMutationState). */
export const SEND_MUTATION_KEY = ["send-broadcast"] as const;

/**
 * Session counts for the dashboard and the sessions page. Counting walks every session key, so
 * it is not on a short timer: the online count comes live from the socket (`sessions:online`),
 * the others are recounted on broadcast events, on focus and once a minute.
 */
export const statsQuery = {
  queryKey: qk.stats,
  queryFn: previewQueryFn({ type: "all" }),
  staleTime: previewStaleTime(30_000),
  refetchInterval: 60_000,
};
