import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { AdminShell } from "@/components/admin/shell";
import { adminFromCookieHeader } from "@/lib/auth/admin-session";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: { default: "Herald admin", template: "%s · Herald" } };

/**
 * Every console page: proxy.ts already turned away visitors without a sign-in cookie; this
 * also turns away a valid cookie whose admin no longer exists in Redis.
 */
export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const admin = await adminFromCookieHeader((await headers()).get("cookie") ?? undefined);
  if (!admin) redirect("/admin/sign-in");
  return <AdminShell email={admin.email}>{children}</AdminShell>;
}
