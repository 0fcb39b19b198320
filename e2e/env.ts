import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The one place the e2e server's settings live: playwright.config.ts starts the server with
 * them, and specs import them (to sign in, or to reach the embedded Redis directly).
 */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const E2E_PORT = Number(process.env.E2E_PORT || 3100);
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
/** Wiped before each run (see e2e/wipe-data.ts); holds the embedded Redis and generated secrets. */
export const E2E_DATA_DIR = path.join(PROJECT_ROOT, ".data", "e2e");
/** The embedded Redis the e2e server starts (no REDIS_URL): seed or inspect data through it. */
export const E2E_REDIS_URL = `unix://${path.join(E2E_DATA_DIR, "redis", "redis.sock")}`;
export const E2E_ADMIN_EMAIL = "admin@example.com";
export const E2E_ADMIN_PASSWORD = "e2e-password-123";
export const E2E_AUTH_SECRET = "herald-e2e-secret-0123456789abcdef";

export const E2E_SERVER_ENV: Record<string, string> = {
  NODE_ENV: "production",
  HOST: "127.0.0.1",
  PORT: String(E2E_PORT),
  HERALD_DATA_DIR: E2E_DATA_DIR,
  // Empty counts as unset: the server starts its embedded Redis even if the caller's shell has a REDIS_URL.
  REDIS_URL: "",
  NEXTAUTH_URL: E2E_BASE_URL,
  AUTH_SECRET: E2E_AUTH_SECRET,
  ADMIN_EMAIL: E2E_ADMIN_EMAIL,
  ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
  NEXT_TELEMETRY_DISABLED: "1",
  // Every browser context comes from 127.0.0.1 and opens its own chat session.
  HERALD_NEW_SESSIONS_BURST: "100000",
  HERALD_ADDRESS_MESSAGES_BURST: "100000",
};
