"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { BroadcastCard, RawEntry, UserBubble } from "@/components/chat/message-item";
import { ApiError, fetchers, qk } from "../api";
import { CopyButton } from "../copy-button";
import { describeTtl } from "../format";
import {
  ButtonLink,
  Card,
  EmptyState,
  ErrorState,
  LoadingBlock,
  MegaphoneIcon,
  PageHeader,
  SessionStateBadges,
  Skeleton,
} from "../ui";

export function SessionDetail({ id }: { id: string }) {
  const info = useQuery({
    queryKey: qk.preview({ type: "sessions", ids: [id] }),
    queryFn: () => fetchers.preview({ type: "sessions", ids: [id] }),
  });
  const history = useQuery({
    queryKey: qk.sessionMessages(id),
    queryFn: () => fetchers.sessionMessages(id),
    retry: (n, err) => !(err instanceof ApiError && err.status === 404) && n < 1,
  });
  const s = info.data?.sample.find((x) => x.id === id);
  const notFound = history.error instanceof ApiError && history.error.status === 404;
  const sendHref = `/admin/broadcasts/new?session=${encodeURIComponent(id)}`;

  return (
    <>
      <PageHeader
        title={<span className="break-all font-mono text-xl">{id}</span>}
        description={
          info.isPending ? (
            <Skeleton className="h-4 w-48" />
          ) : s ? (
            <SessionStateBadges {...s} showOffline gap="gap-2">
              <span>{describeTtl(s.ttlSeconds)}</span>
            </SessionStateBadges>
          ) : undefined
        }
        back={{ href: "/admin/sessions", label: "Sessions" }}
        actions={
          <>
            <CopyButton text={id} label="Copy id" what="session id" />
            {!notFound && (
              <ButtonLink href={sendHref}>
                <MegaphoneIcon className="size-4" /> Send to this session
              </ButtonLink>
            )}
          </>
        }
      />
      <Card
        title="Message history"
        description="Oldest first, as the chat page shows it."
        bodyClassName="rounded-b-xl bg-slate-50 px-4 py-4 sm:px-5"
      >
        {history.isPending ? (
          <LoadingBlock label="Loading history" rows={4} />
        ) : notFound ? (
          <EmptyState
            title="No such session"
            action={<ButtonLink href="/admin/sessions">All sessions</ButtonLink>}
          >
            It may have expired, or the id is mistyped.
          </EmptyState>
        ) : history.isError ? (
          <ErrorState error={history.error} onRetry={() => history.refetch()} />
        ) : history.data.messages.length === 0 ? (
          <EmptyState
            title="No messages yet"
            action={
              <ButtonLink href={sendHref} variant="secondary">
                Send a broadcast here
              </ButtonLink>
            }
          >
            This session exists but has no message list. A broadcast creates it.
          </EmptyState>
        ) : (
          <ol className="space-y-4" aria-label="Messages">
            {history.data.messages.map((entry, i) => {
              if (entry.kind === "raw") {
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: raw legacy entries have no id
                  <li key={`raw-${i}`}>
                    <RawEntry raw={entry.raw} />
                  </li>
                );
              }
              const m = entry.message;
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: a legacy list may hold one id twice
                <li key={`${m.id}-${i}`}>
                  {m.type === "broadcast" ? (
                    <div>
                      <BroadcastCard message={m} level={m.level ?? "info"} />
                      {m.broadcastId && (
                        <p className="mx-auto mt-1 max-w-2xl text-right text-xs">
                          <Link
                            href={`/admin/broadcasts/${encodeURIComponent(m.broadcastId)}`}
                            className="font-medium text-indigo-600 hover:text-indigo-800"
                          >
                            Delivery report →
                          </Link>
                        </p>
                      )}
                    </div>
                  ) : (
                    <UserBubble message={m} />
                  )}
                </li>
              );
            })}
          </ol>
        )}
      </Card>
    </>
  );
}
