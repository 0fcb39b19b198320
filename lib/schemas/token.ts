import { z } from "zod";

/**
 * API tokens as the console, the API and the CLI describe them. A token carries scopes; each
 * route asks for one. The console's own admin pages (admins, tokens) take no token at all.
 */
export const TOKEN_SCOPES = ["broadcasts:write", "broadcasts:read", "sessions:read"] as const;
export const TokenScopeSchema = z.enum(TOKEN_SCOPES);
export type TokenScope = z.infer<typeof TokenScopeSchema>;

export const SCOPE_DESCRIPTIONS: Record<TokenScope, string> = {
  "broadcasts:write": "send, cancel and retract broadcasts",
  "broadcasts:read": "read broadcasts, their reports and the audit trail",
  "sessions:read": "list sessions, read their history, preview targets",
};

export const TokenNameSchema = z
  .string()
  .trim()
  .min(1, "a name is required")
  .max(64, "at most 64 characters")
  .regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' and '-' only");

export const CreateTokenInputSchema = z.object({
  name: TokenNameSchema,
  scopes: z
    .array(TokenScopeSchema)
    .min(1, "pick at least one scope")
    .transform((s) => [...new Set(s)]),
});
export type CreateTokenInput = z.infer<typeof CreateTokenInputSchema>;

/** A token as listed (never the secret, never its hash). */
export interface TokenInfo {
  name: string;
  scopes: TokenScope[];
  createdAt: string;
  createdBy?: string;
  lastUsedAt?: string;
}
