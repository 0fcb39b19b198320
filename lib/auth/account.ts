import type { Deps } from "../context";
import { HeraldError } from "../errors";
import { getEmitters } from "../realtime/emitter";
import { adminSessionRoom, endAdminSession, endAdminSessionsOf } from "./admin-sessions";
import {
  AdminEmailSchema,
  type AdminInfo,
  AdminPasswordSchema,
  countAdmins,
  createAdmin,
  deleteAdmin,
  setAdminPassword,
  verifyAdmin,
} from "./admins";
import { takeSignInAttempt } from "./sign-in-limit";

/**
 * What an admin does to admins (their own password, the others): shared by the console's API
 * routes and the CLI. Every change that takes an admin's access away ends their sign-ins at once.
 */

/** Close the `/admin` sockets of these sign-ins on every instance. */
export async function disconnectAdminSockets(sids: string[]): Promise<void> {
  if (sids.length === 0) return;
  getEmitters().admins.in(sids.map(adminSessionRoom)).disconnectSockets(true);
}

/** End one sign-in (sign-out). */
export async function endSignIn(deps: Deps, sid: string): Promise<void> {
  await endAdminSession(deps.redis, deps.keys, sid);
  await disconnectAdminSockets([sid]);
}

/** End every sign-in of `email` (but `except`, the one making the change). */
export async function endSignInsOf(deps: Deps, email: string, except?: string): Promise<number> {
  const ended = await endAdminSessionsOf(deps.redis, deps.keys, email, except);
  await disconnectAdminSockets(ended);
  return ended.length;
}

/**
 * Change the signed-in admin's password. The current one is checked (and counts against the
 * sign-in limit, so a stolen session cannot guess it); every other sign-in of the admin ends.
 */
export async function changeOwnPassword(
  deps: Deps,
  who: { email: string; sid: string; address: string },
  currentPassword: string,
  newPassword: string,
): Promise<{ endedSessions: number }> {
  AdminPasswordSchema.parse(newPassword);
  const attempt = await takeSignInAttempt(deps, who.email, who.address);
  if (!attempt.allowed) {
    throw HeraldError.rateLimited("too many wrong passwords; try again later", attempt.retryAfterMs);
  }
  if (!(await verifyAdmin(deps.redis, deps.keys, who.email, currentPassword))) {
    throw new HeraldError("forbidden", "the current password is wrong");
  }
  await setAdminPassword(deps.redis, deps.keys, who.email, newPassword);
  const endedSessions = await endSignInsOf(deps, who.email, who.sid);
  deps.log.info({ email: who.email, endedSessions }, "admin changed their password");
  return { endedSessions };
}

/** Add an admin (the console's "Admins" page, `herald admin create`). */
export async function addAdmin(
  deps: Deps,
  actor: string,
  email: string,
  password: string,
): Promise<AdminInfo> {
  const info = await createAdmin(deps.redis, deps.keys, email, password);
  deps.log.info({ actor, email: info.email }, "admin added");
  return info;
}

/** Remove another admin; their sign-ins end at once. The last admin cannot be removed. */
export async function removeAdmin(deps: Deps, actor: string, email: string): Promise<void> {
  const normalized = AdminEmailSchema.safeParse(email);
  if (!normalized.success) throw new HeraldError("not_found", "admin not found");
  if (normalized.data === actor) {
    throw new HeraldError("conflict", "you cannot remove yourself; ask another admin");
  }
  if (!(await deps.redis.hexists(deps.keys.admins(), normalized.data))) {
    throw new HeraldError("not_found", "admin not found");
  }
  if ((await countAdmins(deps.redis, deps.keys)) <= 1) {
    throw new HeraldError("conflict", "the last admin cannot be removed");
  }
  if (!(await deleteAdmin(deps.redis, deps.keys, normalized.data))) {
    throw new HeraldError("not_found", "admin not found");
  }
  const endedSessions = await endSignInsOf(deps, normalized.data);
  deps.log.info({ actor, email: normalized.data, endedSessions }, "admin removed");
}
