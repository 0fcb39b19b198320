import type { Command } from "commander";
import { createToken, listTokens, revokeToken, TokenNameSchema } from "../../lib/auth/tokens";
import { CliError, note, out, printJson, printTable, usageErrorFromZod, withRuntime } from "./runtime";

function parseName(name: string): string {
  const r = TokenNameSchema.safeParse(name);
  if (!r.success) throw usageErrorFromZod(r.error, { "": "<name>" });
  return r.data;
}

export function registerToken(program: Command): void {
  const token = program
    .command("token")
    .description("API tokens for scripts (Authorization: Bearer <token>)");

  token
    .command("create")
    .description("create a token and print it alone on stdout (it is shown only once)")
    .argument("<name>", "a name for the token: letters, digits, '.', '_' and '-'")
    .action(async (name: string) => {
      const valid = parseName(name);
      await withRuntime(async ({ deps }) => {
        const secret = await createToken(deps.redis, deps.keys, valid);
        out(secret);
        if (process.stderr.isTTY) note(`token "${valid}" created; store it now, it is not shown again`);
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
          ["NAME", "CREATED", "LAST USED"],
          tokens.map((t) => [t.name, t.createdAt, t.lastUsedAt ?? "never"]),
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
