import type { Metadata } from "next";
import { SessionsBrowser } from "@/components/admin/sessions/sessions-browser";

export const metadata: Metadata = { title: "Sessions" };

export default function SessionsPage() {
  return <SessionsBrowser />;
}
