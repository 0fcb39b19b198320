import type { Command } from "commander";
import { z } from "zod";
import { endSignInsOf, removeAdmin } from "../../lib/auth/account";
import {
  AdminEmailSchema,
  AdminPasswordSchema,
  createAdmin,
  generatePassword,
  listAdmins,
} from "../../lib/auth/admins";
import { HeraldError } from "../../lib/errors";
import { CliError, note, out, printJson, printTable, usageErrorFromZod, withRuntime } from "./runtime";

const AdminArgsSchema = z.object({ email: AdminEmailSchema, password: AdminPasswordSchema.optional() });

export function registerAdmin(program: Command): void {
  const admin = program.command("admin").description("admins of the web console");

  admin
    .command("create")
    .description(
      "create an admin (argon2id hash); without --password a strong one is generated and printed once",
    )
    .argument("<email>", "the admin's email (sign-in name)")
    .option("--password <password>", "the password (≥ 8 characters); beware, it lands in your shell history")
    .option("--force", "reset the password of an existing admin")
    .option("--json", "print JSON")
    .action(async (email: string, opts: { password?: string; force?: boolean; json?: boolean }) => {
      const parsed = AdminArgsSchema.safeParse({ email, password: opts.password });
      if (!parsed.success)
        throw usageErrorFromZod(parsed.error, { email: "<email>", password: "--password" });
      const generated = parsed.data.password === undefined;
      const password = parsed.data.password ?? generatePassword();
      await withRuntime(async ({ deps }) => {
        let info: Awaited<ReturnType<typeof createAdmin>>;
        try {
          info = await createAdmin(deps.redis, deps.keys, parsed.data.email, password, {
            overwrite: opts.force,
          });
        } catch (err) {
          if (err instanceof HeraldError && err.code === "conflict") {
            throw new CliError(`an admin ${parsed.data.email} exists; use --force to reset its password`);
          }
          throw err;
        }
        if (opts.json) {
          printJson(generated ? { ...info, password } : info);
          return;
        }
        // A reset password ends every sign-in made with the old one.
        const ended = opts.force ? await endSignInsOf(deps, info.email) : 0;
        out(`Admin ${opts.force ? "saved" : "created"}: ${info.email}`);
        if (ended > 0) note(`${ended} sign-in${ended === 1 ? "" : "s"} of ${info.email} ended`);
        if (generated) {
          out(`Password: ${password}`);
          note("This password is shown only once: store it now.");
        }
      });
    });

  admin
    .command("list")
    .description("list admins")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withRuntime(async ({ deps }) => {
        const admins = await listAdmins(deps.redis, deps.keys);
        if (opts.json) return printJson({ admins });
        if (admins.length === 0) return note("no admins (the server creates the first one at start)");
        printTable(
          ["EMAIL", "CREATED"],
          admins.map((a) => [a.email, a.createdAt]),
        );
      });
    });

  admin
    .command("remove")
    .description("remove an admin: they can no longer sign in, and their sign-ins end at once")
    .argument("<email>", "the admin's email")
    .action(async (email: string) => {
      const parsed = AdminEmailSchema.safeParse(email);
      if (!parsed.success) throw usageErrorFromZod(parsed.error, { "": "<email>" });
      await withRuntime(async ({ deps }) => {
        try {
          await removeAdmin(deps, "cli", parsed.data);
        } catch (err) {
          if (err instanceof HeraldError && err.code !== "internal") throw new CliError(err.message);
          throw err;
        }
        out(`Admin removed: ${parsed.data}`);
      });
    });

  admin
    .command("sign-out")
    .description("end every sign-in of an admin (a lost laptop), without changing the password")
    .argument("<email>", "the admin's email")
    .action(async (email: string) => {
      const parsed = AdminEmailSchema.safeParse(email);
      if (!parsed.success) throw usageErrorFromZod(parsed.error, { "": "<email>" });
      await withRuntime(async ({ deps }) => {
        const ended = await endSignInsOf(deps, parsed.data);
        out(`${ended} sign-in${ended === 1 ? "" : "s"} of ${parsed.data} ended`);
      });
    });
}
