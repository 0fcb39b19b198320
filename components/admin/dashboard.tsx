"use client";

import { useQuery } from "@tanstack/react-query";
import { fetchers, qk, statsQuery } from "./api";
import { BroadcastTable, NoBroadcasts } from "./broadcast-table";
import { countingNote, fmt, fmtCount, share } from "./format";
import { QueryStates } from "./table";
import { ButtonLink, Card, ErrorState, MegaphoneIcon, PageHeader, Skeleton, Stat } from "./ui";

const RECENT = 6;

export function Dashboard() {
  const stats = useQuery(statsQuery);
  const recent = useQuery({
    queryKey: qk.broadcasts("0", RECENT),
    queryFn: () => fetchers.broadcasts("0", RECENT),
  });
  const s = stats.data;
  const estimated = s?.counting !== undefined;
  const pct = (n: number) => (s && s.total > 0 ? `${share(n, s.total)} of sessions` : undefined);

  return (
    <>
      <PageHeader
        title="Dashboard"
        description="Every chat session Herald can reach, and what was sent to them."
        actions={
          <ButtonLink href="/admin/broadcasts/new">
            <MegaphoneIcon className="size-4" /> New broadcast
          </ButtonLink>
        }
      />
      <section aria-labelledby="sessions-heading" className="mb-8">
        <h2 id="sessions-heading" className="sr-only">
          Sessions
        </h2>
        {stats.isError ? (
          <ErrorState error={stats.error} onRetry={() => stats.refetch()} title="Could not count sessions" />
        ) : (
          <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4">
            {s ? (
              <>
                <Stat
                  label="Sessions"
                  value={fmtCount(s.total, estimated)}
                  hint={s.counting ? countingNote(s.counting.walked) : "with or without history"}
                  testId="stat-total"
                />
                <Stat
                  label="With history"
                  value={fmtCount(s.withMessages, estimated)}
                  hint={pct(s.withMessages) ?? "have messages"}
                  testId="stat-with-history"
                />
                <Stat
                  label="Empty"
                  value={fmtCount(s.empty, estimated)}
                  hint={pct(s.empty) ?? "no messages yet"}
                  testId="stat-empty"
                />
                <Stat
                  label="Online now"
                  value={fmt(s.online)}
                  hint="connected to the chat page"
                  testId="stat-online"
                  tone={s.online > 0 ? "good" : "default"}
                />
              </>
            ) : (
              Array.from({ length: 4 }, (_, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
                <div key={i} className="rounded-xl border border-slate-200 bg-white px-4 py-3 shadow-sm">
                  <Skeleton className="h-3 w-20" />
                  <Skeleton className="mt-2 h-7 w-16" />
                </div>
              ))
            )}
          </dl>
        )}
      </section>

      <Card
        title="Recent broadcasts"
        description="Newest first; open one for its per-session report."
        actions={
          <ButtonLink href="/admin/broadcasts" variant="ghost" size="sm">
            View all
          </ButtonLink>
        }
      >
        <QueryStates
          query={recent}
          rows={recent.data?.broadcasts}
          loading="Loading broadcasts"
          empty={
            <NoBroadcasts action="Compose the first one">
              Broadcasts reach every session, including the ones that never sent a message.
            </NoBroadcasts>
          }
        >
          {(rows) => <BroadcastTable broadcasts={rows} compact />}
        </QueryStates>
      </Card>
    </>
  );
}
