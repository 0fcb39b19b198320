import type { Metadata } from "next";
import { ButtonLink, Card, EmptyState, PageHeader } from "@/components/admin/ui";

export const metadata: Metadata = { title: "Page not found" };

/** A console address that names nothing: said inside the console, with the way back. */
export default function ConsoleNotFound() {
  return (
    <>
      <PageHeader title="Page not found" />
      <Card>
        <EmptyState
          title="There is no such page in the console"
          action={
            <span className="flex flex-wrap justify-center gap-2">
              <ButtonLink href="/admin">Dashboard</ButtonLink>
              <ButtonLink href="/admin/broadcasts" variant="secondary">
                Broadcast history
              </ButtonLink>
            </span>
          }
        >
          The link may be mistyped or out of date. Broadcasts and sessions have their own pages under History
          and Sessions.
        </EmptyState>
      </Card>
    </>
  );
}
