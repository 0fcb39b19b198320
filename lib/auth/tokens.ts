import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import { HeraldError } from "../errors";
import type { Keys } from "../redis/keys";
import { keyedMulti } from "../redis/pipeline";

/**
 * API tokens for scripts. A token is 256 random bits; Redis keeps only its SHA-256
 * (a slow password hash buys nothing for a secret this long, and a lookup must be O(1)).
 * `herald:tokens` name -> metadata JSON; `herald:tokens:by-hash` sha256 -> name.
 */
export const TokenNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' and '-' only");

const TOKEN_PREFIX = "hrld_";

const TokenMetaSchema = z.object({
  name: z.string(),
  hash: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().optional(),
});
export type TokenMeta = z.infer<typeof TokenMetaSchema>;

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export async function createToken(redis: Redis, keys: Keys, name: string): Promise<string> {
  TokenNameSchema.parse(name);
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const hash = hashToken(token);
  const meta: TokenMeta = { name, hash, createdAt: new Date().toISOString() };
  const created = await redis.hsetnx(keys.tokens(), name, JSON.stringify(meta));
  if (!created) throw new HeraldError("conflict", `a token named "${name}" exists; revoke it first`);
  await redis.hset(keys.tokenHashes(), hash, name);
  return token;
}

export async function listTokens(redis: Redis, keys: Keys): Promise<Omit<TokenMeta, "hash">[]> {
  const all = await redis.hgetall(keys.tokens());
  return Object.values(all)
    .map((raw) => TokenMetaSchema.safeParse(JSON.parse(raw)))
    .filter((r) => r.success)
    .map(({ data: { hash: _h, ...rest } }) => rest)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export async function revokeToken(redis: Redis, keys: Keys, name: string): Promise<boolean> {
  const raw = await redis.hget(keys.tokens(), name);
  if (!raw) return false;
  const meta = TokenMetaSchema.safeParse(JSON.parse(raw));
  const multi = keyedMulti(redis).hdel(keys.tokens(), name);
  if (meta.success) multi.hdel(keys.tokenHashes(), meta.data.hash);
  await multi.exec();
  return true;
}

/** The token's name, or null when the token is unknown or revoked. */
export async function verifyToken(redis: Redis, keys: Keys, token: string): Promise<string | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const hash = hashToken(token);
  const name = await redis.hget(keys.tokenHashes(), hash);
  if (!name) return null;
  const raw = await redis.hget(keys.tokens(), name);
  if (!raw) return null;
  const meta = TokenMetaSchema.safeParse(JSON.parse(raw));
  // Constant-time compare of the stored hash, so a stale index entry cannot authenticate.
  if (!meta.success || !timingSafeEqual(Buffer.from(meta.data.hash), Buffer.from(hash))) return null;
  return name;
}
