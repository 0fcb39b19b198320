"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchers, qk } from "./api";
import { BroadcastTable } from "./broadcast-table";
import {
  ButtonLink,
  Card,
  EmptyState,
  ErrorState,
  fmt,
  LoadingBlock,
  MegaphoneIcon,
  PageHeader,
  Pager,
  useCursorPager,
} from "./ui";

const PAGE = 25;

export function History() {
  const pager = useCursorPager("history", PAGE);
  const q = useQuery({
    queryKey: qk.broadcasts(pager.cursor, PAGE),
    queryFn: () => fetchers.broadcasts(pager.cursor, PAGE),
    placeholderData: keepPreviousData,
  });
  const view = q.data ? pager.slice(q.data.broadcasts, q.data.nextCursor) : null;
  return (
    <>
      <PageHeader
        title="Broadcast history"
        description="Every broadcast, newest first, with who sent it and what became of it."
        actions={<ButtonLink href="/admin/broadcasts/new">New broadcast</ButtonLink>}
      />
      <Card
        title="Broadcasts"
        description={q.data ? `${fmt(q.data.total)} in total` : undefined}
        bodyClassName="px-4 pb-4 pt-1 sm:px-5"
      >
        {q.isPending ? (
          <LoadingBlock label="Loading broadcasts" rows={6} />
        ) : q.isError ? (
          <ErrorState error={q.error} onRetry={() => q.refetch()} />
        ) : view!.rows.length === 0 ? (
          <EmptyState
            title="No broadcasts yet"
            icon={<MegaphoneIcon />}
            action={<ButtonLink href="/admin/broadcasts/new">Compose a broadcast</ButtonLink>}
          >
            Broadcasts sent from here, the API or the CLI are listed here.
          </EmptyState>
        ) : (
          <>
            <BroadcastTable broadcasts={view!.rows} />
            <Pager
              page={pager.page}
              hasPrev={pager.hasPrev}
              hasNext={view!.hasNext}
              onPrev={pager.prev}
              onNext={view!.next}
              busy={q.isFetching}
            />
          </>
        )}
      </Card>
    </>
  );
}
