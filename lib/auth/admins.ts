import { randomBytes } from "node:crypto";
import { type Algorithm, hash, verify } from "@node-rs/argon2";
import type { Redis } from "ioredis";
import { z } from "zod";
import { HeraldError } from "../errors";
import type { Keys } from "../redis/keys";
import { AdminEmailSchema, AdminPasswordSchema } from "../schemas/admin";

/**
 * Admins of the console. `herald:admins` is a hash: lowercased email -> JSON
 * {email, hash, createdAt}, the hash an argon2id PHC string.
 */
export { AdminEmailSchema, AdminPasswordSchema };

const AdminRecordSchema = z.object({ email: z.string(), hash: z.string(), createdAt: z.string() });
type AdminRecord = z.infer<typeof AdminRecordSchema>;

export interface AdminInfo {
  email: string;
  createdAt: string;
}

/** The default email of the generated first admin. */
export const DEFAULT_ADMIN_EMAIL = "admin@herald.local";

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): ~20-50 ms per hash here.
// Algorithm is an ambient const enum, which isolatedModules forbids reading; 2 is Argon2id.
const HASH_OPTIONS = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, HASH_OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    // A malformed stored hash authenticates nobody.
    return false;
  }
}

/** A strong random password (144 bits, URL-safe, 24 characters). */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}

/** The normalized (trimmed, lowercased) email, or null when it is not a valid email. */
export function normalizeEmail(email: string): string | null {
  const r = AdminEmailSchema.safeParse(email);
  return r.success ? r.data : null;
}

let dummyHash: Promise<string> | undefined;
/** A hash no password matches, verified against for unknown emails so they cost as much as known ones. */
function getDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(32).toString("base64url"));
  return dummyHash;
}

function parseRecord(raw: string | null | undefined): AdminRecord | null {
  if (!raw) return null;
  try {
    const r = AdminRecordSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/**
 * Store an admin. Throws a ZodError on an invalid email or password, and a `conflict`
 * HeraldError when the admin exists and `overwrite` is not set (overwriting resets the password).
 */
export async function createAdmin(
  redis: Redis,
  keys: Keys,
  email: string,
  password: string,
  opts: { overwrite?: boolean } = {},
): Promise<AdminInfo> {
  const normalized = AdminEmailSchema.parse(email);
  AdminPasswordSchema.parse(password);
  const record: AdminRecord = {
    email: normalized,
    hash: await hashPassword(password),
    createdAt: new Date().toISOString(),
  };
  const json = JSON.stringify(record);
  if (opts.overwrite) {
    await redis.hset(keys.admins(), normalized, json);
  } else if (!(await redis.hsetnx(keys.admins(), normalized, json))) {
    throw new HeraldError("conflict", `an admin ${normalized} exists`);
  }
  return { email: normalized, createdAt: record.createdAt };
}

/** Set a new password for an existing admin (keeps the rest of the record). */
export async function setAdminPassword(
  redis: Redis,
  keys: Keys,
  email: string,
  password: string,
): Promise<void> {
  const normalized = AdminEmailSchema.parse(email);
  AdminPasswordSchema.parse(password);
  const record = parseRecord(await redis.hget(keys.admins(), normalized));
  if (!record) throw new HeraldError("not_found", `no admin ${normalized}`);
  const updated: AdminRecord = { ...record, hash: await hashPassword(password) };
  await redis.hset(keys.admins(), normalized, JSON.stringify(updated));
}

/** True when the email names an admin whose password matches; an unknown email costs one hash too. */
export async function verifyAdmin(
  redis: Redis,
  keys: Keys,
  email: string,
  password: string,
): Promise<boolean> {
  const normalized = normalizeEmail(email);
  const record = normalized ? parseRecord(await redis.hget(keys.admins(), normalized)) : null;
  if (!record || typeof password !== "string" || password.length > 1024) {
    await verifyPassword(await getDummyHash(), typeof password === "string" ? password.slice(0, 1024) : "");
    return false;
  }
  return verifyPassword(record.hash, password);
}

export async function listAdmins(redis: Redis, keys: Keys): Promise<AdminInfo[]> {
  const all = await redis.hgetall(keys.admins());
  return Object.values(all)
    .map((raw) => parseRecord(raw))
    .filter((r): r is AdminRecord => r !== null)
    .map(({ email, createdAt }) => ({ email, createdAt }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.email.localeCompare(b.email));
}

export function countAdmins(redis: Redis, keys: Keys): Promise<number> {
  return redis.hlen(keys.admins());
}

export async function deleteAdmin(redis: Redis, keys: Keys, email: string): Promise<boolean> {
  const normalized = normalizeEmail(email);
  if (!normalized) return false;
  return (await redis.hdel(keys.admins(), normalized)) === 1;
}

/**
 * Make sure at least one admin exists (server start). With none: create one from the given
 * email/password (ADMIN_EMAIL/ADMIN_PASSWORD), defaulting to `admin@herald.local` and a
 * generated password. `password` is returned only when it was generated, to be shown once.
 * Two instances starting together create at most one admin (HSETNX): the loser reports
 * `created: false`.
 */
export async function ensureFirstAdmin(
  redis: Redis,
  keys: Keys,
  opts: { email?: string; password?: string } = {},
): Promise<{ email: string; password?: string; created: boolean }> {
  if ((await countAdmins(redis, keys)) > 0) {
    const [first] = await listAdmins(redis, keys);
    return { email: first?.email ?? "", created: false };
  }
  const email = AdminEmailSchema.parse(opts.email ?? DEFAULT_ADMIN_EMAIL);
  const generated = opts.password === undefined;
  const password = opts.password ?? generatePassword();
  try {
    await createAdmin(redis, keys, email, password);
  } catch (err) {
    if (err instanceof HeraldError && err.code === "conflict") return { email, created: false };
    throw err;
  }
  return generated ? { email, password, created: true } : { email, created: true };
}
