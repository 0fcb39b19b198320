import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config";

/**
 * The secret next-auth signs admin sessions with: AUTH_SECRET / NEXTAUTH_SECRET when set,
 * else one generated once into the data directory (mode 600) so sign-ins survive restarts.
 */
export function ensureAuthSecret(config: Config): string {
  const configured = config.AUTH_SECRET ?? config.NEXTAUTH_SECRET;
  const secret = configured ?? readOrCreate(path.join(config.dataDir, "auth-secret"));
  // next-auth reads it from the environment (route handlers run in this same process).
  process.env.NEXTAUTH_SECRET = secret;
  process.env.AUTH_SECRET = secret;
  return secret;
}

function readOrCreate(file: string): string {
  try {
    const s = readFileSync(file, "utf8").trim();
    if (s.length >= 32) return s;
  } catch {
    // first start: created below
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const s = randomBytes(32).toString("base64url");
  writeFileSync(file, `${s}\n`, { mode: 0o600 });
  return s;
}
