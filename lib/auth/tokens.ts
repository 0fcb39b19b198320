import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import { HeraldError } from "../errors";
import { getLogger } from "../log";
import type { Keys } from "../redis/keys";
import { keyedMulti } from "../redis/pipeline";
import {
  TOKEN_SCOPES,
  type TokenInfo,
  TokenNameSchema,
  type TokenScope,
  TokenScopeSchema,
} from "../schemas/token";

export { TokenNameSchema };

/**
 * API tokens for scripts. A token is 256 random bits; Redis keeps only its SHA-256
 * (a slow password hash buys nothing for a secret this long, and a lookup must be O(1)).
 * `herald:tokens` name -> metadata JSON; `herald:tokens:by-hash` sha256 -> name;
 * `herald:tokens:last-used` name -> ISO time.
 */
const TOKEN_PREFIX = "hrld_";

const TokenMetaSchema = z.object({
  name: z.string(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
  createdBy: z.string().optional(),
  // Tokens made before scopes existed had every power; they keep it.
  scopes: z.array(TokenScopeSchema).default([...TOKEN_SCOPES]),
});
type TokenMeta = z.infer<typeof TokenMetaSchema>;

export interface VerifiedToken {
  name: string;
  scopes: TokenScope[];
}

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** A record that is not valid JSON or not a token's shape: skipped (logged), never a 500. */
function parseMeta(name: string, raw: string | null): TokenMeta | null {
  if (raw === null) return null;
  try {
    const r = TokenMetaSchema.safeParse(JSON.parse(raw));
    if (r.success) return r.data;
  } catch {
    // falls through
  }
  getLogger().warn({ token: name }, "corrupt API token record skipped");
  return null;
}

export async function createToken(
  redis: Redis,
  keys: Keys,
  name: string,
  opts: { scopes?: TokenScope[]; createdBy?: string } = {},
): Promise<string> {
  TokenNameSchema.parse(name);
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const hash = hashToken(token);
  const meta: TokenMeta = {
    name,
    hash,
    createdAt: new Date().toISOString(),
    ...(opts.createdBy ? { createdBy: opts.createdBy } : {}),
    scopes: opts.scopes ?? [...TOKEN_SCOPES],
  };
  const created = await redis.hsetnx(keys.tokens(), name, JSON.stringify(meta));
  if (!created) throw new HeraldError("conflict", `a token named "${name}" exists; revoke it first`);
  await redis.hset(keys.tokenHashes(), hash, name);
  return token;
}

export async function listTokens(redis: Redis, keys: Keys): Promise<TokenInfo[]> {
  const [all, lastUsed] = await Promise.all([
    redis.hgetall(keys.tokens()),
    redis.hgetall(keys.tokensLastUsed()),
  ]);
  return Object.entries(all)
    .map(([name, raw]) => parseMeta(name, raw))
    .filter((m): m is TokenMeta => m !== null)
    .map(({ hash: _h, ...rest }) =>
      lastUsed[rest.name] ? { ...rest, lastUsedAt: lastUsed[rest.name] } : rest,
    )
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export async function revokeToken(redis: Redis, keys: Keys, name: string): Promise<boolean> {
  const raw = await redis.hget(keys.tokens(), name);
  if (raw === null) return false;
  const meta = parseMeta(name, raw);
  // Three keys in three slots on a cluster: keyedMulti runs them one by one there.
  const multi = keyedMulti(redis).hdel(keys.tokens(), name).hdel(keys.tokensLastUsed(), name);
  if (meta) multi.hdel(keys.tokenHashes(), meta.hash);
  await multi.exec();
  return true;
}

// Last-used times are written at most once a minute per token and process: a script that calls
// the API in a loop must not turn every request into a write.
const LAST_USED_EVERY_MS = 60_000;
const lastWritten = new Map<string, number>();

/** The token's name and scopes, or null when the token is unknown, revoked or its record corrupt. */
export async function verifyToken(redis: Redis, keys: Keys, token: string): Promise<VerifiedToken | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const hash = hashToken(token);
  const name = await redis.hget(keys.tokenHashes(), hash);
  if (!name) return null;
  const meta = parseMeta(name, await redis.hget(keys.tokens(), name));
  // Constant-time compare of the stored hash, so a stale index entry cannot authenticate.
  if (!meta || !timingSafeEqual(Buffer.from(meta.hash), Buffer.from(hash))) return null;
  const now = Date.now();
  if (now - (lastWritten.get(name) ?? 0) >= LAST_USED_EVERY_MS) {
    lastWritten.set(name, now);
    await redis.hset(keys.tokensLastUsed(), name, new Date(now).toISOString());
  }
  return { name, scopes: meta.scopes };
}
