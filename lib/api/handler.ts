import type { NextRequest } from "next/server";
import { type ZodType, z } from "zod";
import { assertSameOrigin, assertScope, authenticate, type Principal } from "../auth/principal";
import { type Deps, getDeps } from "../context";
import { type ErrorIssue, HeraldError } from "../errors";
import { getLogger } from "../log";
import { isRedisUnavailable } from "../redis/connection";
import { MAX_BODY_BYTES } from "../schemas/api";
import type { TokenScope } from "../schemas/token";
import { resolveVisitor, SESSION_COOKIE } from "../sessions/visitor";

/**
 * The one wrapper every route handler goes through: authenticates, reads and validates
 * the body and query with zod, and maps errors to the contract's JSON error shape.
 */
/**
 * "admin-or-token": the console (cookie) or a script (bearer token with the route's `scope`);
 * "admin": the console only (managing admins and tokens is not a script's business).
 */
type Auth = "public" | "admin-or-token" | "admin" | "visitor";

const SAFE_METHODS = ["GET", "HEAD", "OPTIONS"];

interface RouteOptions<B extends ZodType | undefined, Q extends ZodType | undefined> {
  auth: Auth;
  /** The scope a token needs (auth "admin-or-token"). */
  scope?: TokenScope;
  body?: B;
  query?: Q;
}

export interface RouteContext<B, Q> {
  req: NextRequest;
  deps: Deps;
  principal: Principal | null;
  /** The end user's session id (auth "visitor"): taken from the httpOnly cookie only, never from input. */
  visitor: string | null;
  body: B;
  query: Q;
  params: Record<string, string>;
}

type Infer<T> = T extends ZodType ? z.output<T> : undefined;

export function route<B extends ZodType | undefined = undefined, Q extends ZodType | undefined = undefined>(
  opts: RouteOptions<B, Q>,
  handler: (ctx: RouteContext<Infer<B>, Infer<Q>>) => Promise<Response | object>,
) {
  return async (
    req: NextRequest,
    segment?: { params?: Promise<Record<string, string | string[]>> },
  ): Promise<Response> => {
    try {
      const deps = getDeps();
      let principal: Principal | null = null;
      let visitor: string | null = null;
      if (opts.auth === "admin-or-token" || opts.auth === "admin") {
        principal = await authenticate(deps, req.headers);
        if (opts.auth === "admin" && principal.kind !== "admin") {
          throw new HeraldError("forbidden", "only a signed-in admin may do this, not an API token");
        }
        if (opts.scope) assertScope(principal, opts.scope);
        if (principal.kind === "admin" && !SAFE_METHODS.includes(req.method)) {
          assertSameOrigin(req.headers, req.url);
        }
      } else if (opts.auth === "visitor") {
        // The chat page's cookie rides along on any request the browser makes: changes must come from our origin.
        if (!SAFE_METHODS.includes(req.method)) assertSameOrigin(req.headers, req.url);
        visitor = await resolveVisitor(deps.redis, deps.keys, req.cookies.get(SESSION_COOKIE)?.value);
        if (!visitor) throw new HeraldError("unauthorized", "no chat session: open the chat page first");
      }
      const rawParams = (await segment?.params) ?? {};
      const params = Object.fromEntries(
        Object.entries(rawParams).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : v]),
      );
      const body = opts.body ? parseWith(opts.body, await readJsonBody(req)) : undefined;
      const query = opts.query
        ? parseWith(opts.query, Object.fromEntries(req.nextUrl.searchParams))
        : undefined;
      const result = await handler({
        req,
        deps,
        principal,
        visitor,
        body: body as Infer<B>,
        query: query as Infer<Q>,
        params,
      });
      return result instanceof Response ? result : Response.json(result);
    } catch (err) {
      return errorResponse(err, req);
    }
  };
}

function parseWith<T extends ZodType>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw new HeraldError("invalid_input", "invalid input", toIssues(r.error));
  return r.data;
}

export function toIssues(err: z.ZodError): ErrorIssue[] {
  return err.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
    message: i.message,
  }));
}

/** Read a JSON body, refusing more than MAX_BODY_BYTES before parsing (413). */
export async function readJsonBody(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const type = req.headers.get("content-type") ?? "";
  if (type && !/^application\/(.+\+)?json\b/i.test(type)) {
    throw new HeraldError("unsupported_media_type", "send the body as application/json");
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HeraldError("invalid_input", "body is not valid JSON");
  }
}

const tooLarge = () => new HeraldError("payload_too_large", `request body over ${MAX_BODY_BYTES} bytes`);

export function errorResponse(err: unknown, req?: Request): Response {
  let e: HeraldError;
  if (err instanceof HeraldError) e = err;
  else if (err instanceof z.ZodError) e = new HeraldError("invalid_input", "invalid input", toIssues(err));
  else if (isRedisUnavailable(err))
    e = new HeraldError("redis_unavailable", "Redis is unavailable, try again shortly");
  else {
    getLogger().error({ err, url: req?.url, method: req?.method }, "unhandled error in route handler");
    e = new HeraldError("internal", "internal error");
  }
  const body = { error: { code: e.code, message: e.message, ...(e.issues ? { issues: e.issues } : {}) } };
  const headers: Record<string, string> = {};
  if (e.code === "unauthorized") headers["www-authenticate"] = 'Bearer realm="herald"';
  const retryAfter = e.retryAfterSeconds ?? (e.code === "redis_unavailable" ? 5 : undefined);
  if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
  return Response.json(body, { status: e.status, headers });
}

/** 404 for an id from the path that cannot exist (whatever its format). */
export function notFound(what: string): HeraldError {
  return new HeraldError("not_found", `${what} not found`);
}
