import type { Metadata } from "next";
import { ComposeBroadcast } from "@/components/admin/compose/compose-form";
import { SessionIdSchema } from "@/lib/schemas/broadcast";

export const metadata: Metadata = { title: "New broadcast" };

/** `?session=<id>` (repeatable) preselects sessions: "send to this session" from the sessions page. */
export default async function ComposePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const raw = (await searchParams).session;
  const ids = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter(
    (id) => SessionIdSchema.safeParse(id).success,
  );
  return <ComposeBroadcast initialSessions={[...new Set(ids)]} />;
}
