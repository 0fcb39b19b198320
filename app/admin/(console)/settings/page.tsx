import type { Metadata } from "next";
import { headers } from "next/headers";
import { AccountCard } from "@/components/admin/settings/account-card";
import { AdminsCard } from "@/components/admin/settings/admins-card";
import { TokensCard } from "@/components/admin/settings/tokens-card";
import { PageHeader } from "@/components/admin/ui";
import { adminFromCookieHeader } from "@/lib/auth/admin-session";

export const metadata: Metadata = { title: "Settings" };

/** Your password and sign-ins, the console's admins, and API tokens for scripts. */
export default async function SettingsPage() {
  // The layout already refused a visitor without a valid sign-in.
  const admin = await adminFromCookieHeader((await headers()).get("cookie") ?? undefined);
  return (
    <>
      <PageHeader
        title="Settings"
        description="Your account, who can use this console, and tokens for scripts."
      />
      <div className="space-y-6">
        <AccountCard />
        <AdminsCard me={admin?.email ?? ""} />
        <TokensCard />
      </div>
    </>
  );
}
