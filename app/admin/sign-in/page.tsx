import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/admin/sign-in-form";
import { adminFromCookieHeader } from "@/lib/auth/admin-session";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in · Herald" };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const sp = await searchParams;
  const callbackUrl = typeof sp.callbackUrl === "string" ? sp.callbackUrl : undefined;
  // Already signed in: straight to the console. A Redis outage shows the form rather than an error.
  const admin = await adminFromCookieHeader((await headers()).get("cookie") ?? undefined).catch(() => null);
  if (admin) redirect("/admin");
  return (
    <SignInForm
      callbackUrl={callbackUrl}
      initialError={typeof sp.error === "string" ? sp.error : undefined}
    />
  );
}
