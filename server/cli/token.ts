import type { Command } from "commander";
import { createToken, listTokens, revokeToken } from "../../lib/auth/tokens";
import { CreateTokenInputSchema, TOKEN_SCOPES, TokenNameSchema } from "../../lib/schemas/token";
import { CliError, note, out, printJson, printTable, usageErrorFromZod, withRuntime } from "./runtime";

function parseName(name: string): string {
  const r = TokenNameSchema.safeParse(name);
  if (!r.success) throw usageErrorFromZod(r.error, { "": "<name>" });
  return r.data;
}

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value.split(",").filter(Boolean),
];

export function registerToken(program: Command): void {
  const token = program
    .command("token")
    .description("API tokens for scripts (Authorization: Bearer <token>)");

  token
    .command("create")
    .description("create a token and print it alone on stdout (it is shown only once)")
    .argument("<name>", "a name for the token: letters, digits, '.', '_' and '-'")
    .option(
      "--scope <scope>",
      `what the token may do, repeatable or comma-separated: ${TOKEN_SCOPES.join(", ")} (default: all)`,
      collect,
    )
    .action(async (name: string, opts: { scope?: string[] }) => {
      const parsed = CreateTokenInputSchema.safeParse({ name, scopes: opts.scope ?? [...TOKEN_SCOPES] });
      if (!parsed.success) throw usageErrorFromZod(parsed.error, { name: "<name>", scopes: "--scope" });
      const { name: valid, scopes } = parsed.data;
      await withRuntime(async ({ deps }) => {
        const secret = await createToken(deps.redis, deps.keys, valid, { scopes, createdBy: "cli" });
        out(secret);
        if (process.stderr.isTTY) {
          note(`token "${valid}" created (${scopes.join(", ")}); store it now, it is not shown again`);
        }
      });
    });

  token
    .command("list")
    .description("list token names (never the tokens themselves)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withRuntime(async ({ deps }) => {
        const tokens = await listTokens(deps.redis, deps.keys);
        if (opts.json) return printJson({ tokens });
        if (tokens.length === 0) return note("no tokens");
        printTable(
          ["NAME", "SCOPES", "CREATED", "LAST USED"],
          tokens.map((t) => [t.name, t.scopes.join(","), t.createdAt, t.lastUsedAt ?? "never"]),
        );
      });
    });

  token
    .command("revoke")
    .description("revoke a token: requests using it are refused from now on")
    .argument("<name>", "the token's name")
    .action(async (name: string) => {
      const valid = parseName(name);
      await withRuntime(async ({ deps }) => {
        if (!(await revokeToken(deps.redis, deps.keys, valid)))
          throw new CliError(`no token named "${valid}"`);
        out(`Token "${valid}" revoked`);
      });
    });
}
