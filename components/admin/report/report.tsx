"use client";

import { useMutationState, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import type { Broadcast, BroadcastStatus, Target } from "@/lib/schemas/broadcast";
import { ApiError, type DeliveryPage, fetchers, qk, SEND_MUTATION_KEY } from "../api";
import { CopyButton } from "../copy-button";
import { fmt, formatEta, formatTime, share } from "../format";
import { BroadcastActions } from "../lifecycle/broadcast-actions";
import { LifecycleDetails } from "../lifecycle/lifecycle-details";
import { BroadcastBubble } from "../message-preview";
import { useAdminEvent, useWatchBroadcast } from "../socket";
import {
  Alert,
  ButtonLink,
  Card,
  EmptyState,
  ErrorState,
  LevelBadge,
  LoadingBlock,
  PageHeader,
  ProgressBar,
  Stat,
  StatusBadge,
} from "../ui";
import { DeliveriesTable } from "./deliveries-table";
import { mergeReading, recentRate, type Sample, secondsLeft, stableTotal } from "./progress";

/** Statuses that move on by themselves soon: the report polls them closely. */
const ACTIVE: readonly BroadcastStatus[] = ["queued", "running", "interrupted"];

/** What the progress card says of a broadcast whose run has not started (or never will). */
function notStartedLine(b: Broadcast): string | null {
  if (b.startedAt || b.processed > 0) return null;
  if (b.status === "scheduled")
    return `Not sent yet: it goes out ${b.sendAt ? `at ${formatTime(b.sendAt)}` : "later"}.`;
  if (b.status === "queued") return "Queued: a worker starts it in a moment.";
  if (b.status === "cancelled") return "Cancelled before it was sent: nothing was stored.";
  return null;
}

function describeTarget(t: Target | null): string {
  if (t === null) return "Unreadable target (not sent)";
  if (t.type === "all") return "All sessions";
  if (t.type === "online") return "Sessions online at send time";
  return `${fmt(t.ids.length)} chosen session${t.ids.length === 1 ? "" : "s"}`;
}

/** Follow one broadcast: progress while it runs, then its per-session outcome, updated live. */
export function BroadcastReport({ id }: { id: string }) {
  const queryClient = useQueryClient();
  // Outcome of the compose page's POST, when it was sent from this tab.
  const sends = useMutationState({
    filters: {
      mutationKey: SEND_MUTATION_KEY,
      predicate: (m) => (m.state.variables as { id?: string })?.id === id,
    },
    select: (m) => ({ status: m.state.status, error: m.state.error }),
  });
  const send = sends.at(-1);
  const sending = send?.status === "pending";

  const bq = useQuery({
    queryKey: qk.broadcast(id),
    queryFn: () => fetchers.broadcast(id),
    // Poll while the fan-out runs (socket events make it smoother, polling makes it certain).
    refetchInterval: (q) => {
      const st = q.state.data?.status;
      if ((!q.state.data && sending) || (st && ACTIVE.includes(st))) return 1000;
      return st === "scheduled" ? 30_000 : false;
    },
    retry: (n, err) => (err instanceof ApiError && err.status === 404 ? sending && n < 60 : n < 1),
    retryDelay: 250,
    // Always re-read on arrival: counts may have moved while the page was loading.
    refetchOnMount: "always",
    // A poll answer saved a page behind the last socket event must not step the counts back.
    structuralSharing: (old, next) => mergeReading(old as Broadcast | undefined, next as Broadcast),
  });
  const [rate, setRate] = useState<number | null>(null);

  useWatchBroadcast(id);
  useAdminEvent("broadcast:progress", (p) => {
    if (p.id !== id) return;
    setRate(p.rate);
    queryClient.setQueryData<Broadcast>(qk.broadcast(id), (old) =>
      old ? mergeReading(old, { ...old, ...p, status: p.status }) : old,
    );
  });
  useAdminEvent("broadcast:finished", (b) => {
    if (b.id !== id) return;
    queryClient.invalidateQueries({ queryKey: qk.broadcast(id) });
    queryClient.invalidateQueries({ queryKey: qk.allDeliveries(id) });
  });

  // Receipts: patch the visible rows at once (the counts are refreshed by the socket provider).
  useAdminEvent("delivery:update", (u) => {
    if (u.broadcastId !== id) return;
    const now = new Date().toISOString();
    const moved = new Map(u.updates.map((x) => [x.sessionId, x.status]));
    queryClient.setQueriesData<DeliveryPage>({ queryKey: qk.allDeliveries(id) }, (old) =>
      old
        ? {
            ...old,
            deliveries: old.deliveries.map((d) => {
              const status = moved.get(d.sessionId);
              if (!status) return d;
              return {
                ...d,
                status,
                deliveredAt: d.deliveredAt ?? now,
                ...(status === "seen" ? { seenAt: now } : {}),
              };
            }),
          }
        : old,
    );
  });

  // Sent from this tab: the report opens at the top, with the progress in view.
  const sentHere = send !== undefined;
  useEffect(() => {
    if (sentHere) window.scrollTo({ top: 0 });
  }, [sentHere]);

  const b = bq.data;
  const shownTotal = useRef<number | null>(null);
  // The recent speed (last seconds of readings), for the time left.
  const speed = useRef<{ samples: Sample[]; rate: number | null }>({ samples: [], rate: null });
  useEffect(() => {
    if (b?.status === "running")
      speed.current = recentRate(speed.current.samples, { at: Date.now(), processed: b.processed });
  }, [b?.status, b?.processed]);
  if (!b) {
    if (send?.status === "error") {
      return (
        <>
          <PageHeader title="Broadcast not sent" back={{ href: "/admin/broadcasts/new", label: "Compose" }} />
          <ErrorState error={send.error} title="The broadcast could not be sent" />
        </>
      );
    }
    if (bq.isError && !(bq.error instanceof ApiError && bq.error.status === 404 && sending)) {
      return (
        <>
          <PageHeader title="Broadcast" back={{ href: "/admin/broadcasts", label: "History" }} />
          {bq.error instanceof ApiError && bq.error.status === 404 ? (
            <Card>
              <EmptyState
                title="No such broadcast"
                action={<ButtonLink href="/admin/broadcasts">See all broadcasts</ButtonLink>}
              >
                It may have been sent to another Herald, or the id is mistyped.
              </EmptyState>
            </Card>
          ) : (
            <ErrorState error={bq.error} onRetry={() => bq.refetch()} />
          )}
        </>
      );
    }
    return (
      <>
        <PageHeader
          title={sending ? "Starting broadcast…" : "Loading broadcast…"}
          back={{ href: "/admin/broadcasts", label: "History" }}
        />
        <LoadingBlock rows={4} />
      </>
    );
  }

  const running = b.status === "running";
  // Counted first (named or online sessions) or over: exact. Target `all` while it runs: extrapolated.
  const exact = !running || (b.target?.type !== "all" && b.estimatedTotal > 0);
  const counting = running && b.estimatedTotal === 0;
  const total = stableTotal(shownTotal.current, b, exact);
  shownTotal.current = total;
  const shownRate = rate ?? estimateRate(b);
  const left = running ? secondsLeft(b.processed, total, speed.current.rate ?? shownRate) : null;
  const pct = (n: number) => (b.stored > 0 ? `${share(n, b.stored)} of stored` : undefined);

  return (
    <>
      <PageHeader
        title={<span className="break-words">{b.title || excerpt(b.message)}</span>}
        description={
          <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <LevelBadge level={b.level} />
            <StatusBadge status={b.status} />
            <span>
              by <span className="font-medium text-slate-700">{b.author}</span>
            </span>
            <span aria-hidden="true">·</span>
            <time dateTime={b.createdAt}>{formatTime(b.createdAt)}</time>
            <span aria-hidden="true">·</span>
            <span>{describeTarget(b.target)}</span>
            <span className="flex w-full flex-wrap items-center gap-2 pt-1">
              <span className="text-slate-600">
                ID <code className="break-all font-mono text-xs text-slate-800">{b.id}</code>
              </span>
              <CopyButton text={b.id} label="Copy id" what="broadcast id" />
              <CopyButton text={() => window.location.href} label="Copy link" what="report link" />
            </span>
          </span>
        }
        back={{ href: "/admin/broadcasts", label: "History" }}
        actions={
          <>
            <BroadcastActions broadcast={b} />
            <ButtonLink href="/admin/broadcasts/new" variant="secondary">
              New broadcast
            </ButtonLink>
          </>
        }
      />
      <LifecycleDetails broadcast={b} />

      {send?.status === "error" && (
        <div className="mb-4">
          <Alert title="The send request failed">
            {send.error instanceof Error ? send.error.message : "Unknown error"}. The counts below show what
            was done before it stopped.
          </Alert>
        </div>
      )}

      <div className="mb-6 grid gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <Card title={running ? "Sending…" : "Progress"} className="order-2 lg:order-1">
          <div aria-live="polite" data-testid="progress">
            {notStartedLine(b) !== null ? (
              <p className="text-sm text-slate-700" data-testid="progress-count">
                {notStartedLine(b)}
              </p>
            ) : (
              <>
                <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2 text-sm">
                  <span className="font-medium text-slate-900" data-testid="progress-count">
                    {counting
                      ? `${fmt(b.processed)} sessions processed (counting the target…)`
                      : `${fmt(b.processed)} of ${exact ? "" : "about "}${fmt(total)} sessions processed`}
                    {running && !counting && total > 0 && ` · ${share(b.processed, total)}`}
                  </span>
                  <span className="text-xs text-slate-600" data-testid="progress-rate">
                    {running
                      ? shownRate
                        ? `${fmt(shownRate)} sessions/s${left !== null ? ` · ${formatEta(left)} left` : ""}`
                        : "starting…"
                      : b.finishedAt
                        ? finishedLine(b)
                        : b.status}
                  </span>
                </div>
                <ProgressBar
                  value={running ? b.processed : total}
                  max={total || 1}
                  label="Sessions processed"
                />
              </>
            )}
            {b.status === "interrupted" && (
              <p className="mt-3 text-sm text-amber-800">
                Its run stopped (Redis or its server went away). A worker takes it up again by itself and it
                goes on where it was, without duplicates.
              </p>
            )}
          </div>
        </Card>
        <div className="order-1 lg:order-2">
          <BroadcastBubble
            id={b.id}
            title={b.title}
            message={b.message}
            level={b.level}
            createdAt={b.createdAt}
          />
        </div>
      </div>

      <section aria-labelledby="summary-heading" className="mb-6">
        <h2 id="summary-heading" className="sr-only">
          Summary
        </h2>
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4 xl:grid-cols-7">
          <Stat
            label={running ? "Targeted so far" : "Targeted"}
            value={fmt(b.targeted)}
            hint={running && !counting ? `of ${exact ? "" : "about "}${fmt(total)}` : "sessions reached"}
            testId="sum-targeted"
          />
          <Stat label="Stored" value={fmt(b.stored)} hint="new copies written" testId="sum-stored" />
          <Stat label="Lists created" value={fmt(b.created)} hint="were empty" testId="sum-created" />
          <Stat label="Duplicates" value={fmt(b.duplicates)} hint="already had it" testId="sum-duplicates" />
          <Stat
            label="Failed"
            value={fmt(b.failed)}
            hint={b.failed > 0 ? "reasons in the table" : "none"}
            tone={b.failed > 0 ? "bad" : "default"}
            testId="sum-failed"
          />
          <Stat label="Delivered" value={fmt(b.delivered)} hint={pct(b.delivered)} testId="sum-delivered" />
          <Stat
            label="Seen"
            value={fmt(b.seen)}
            hint={pct(b.seen)}
            tone={b.seen > 0 ? "good" : "default"}
            testId="sum-seen"
          />
        </dl>
      </section>

      <DeliveriesTable broadcastId={id} running={running} counts={b} />
    </>
  );
}

function excerpt(text: string, max = 80): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function finishedLine(b: Broadcast): string {
  const ms = b.startedAt && b.finishedAt ? Date.parse(b.finishedAt) - Date.parse(b.startedAt) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0) return `finished ${formatTime(b.finishedAt)}`;
  const took = ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
  const rate = ms > 0 ? ` · ${fmt(Math.round((b.processed / ms) * 1000))} sessions/s` : "";
  return `finished ${formatTime(b.finishedAt)} in ${took}${rate}`;
}

function estimateRate(b: Broadcast): number | null {
  if (!b.startedAt || b.processed === 0) return null;
  const secs = (Date.now() - Date.parse(b.startedAt)) / 1000;
  return secs > 0 ? Math.round(b.processed / secs) : null;
}
