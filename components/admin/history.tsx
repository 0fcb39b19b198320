"use client";

import { fetchers, qk } from "./api";
import { BroadcastTable, NoBroadcasts } from "./broadcast-table";
import { fmt } from "./format";
import { useUrlPosition } from "./list-state";
import { CursorList, useCursorList } from "./table";
import { ButtonLink, Card, PageHeader } from "./ui";

const PAGE = 25;

export function History() {
  const list = useCursorList({
    list: "history",
    position: useUrlPosition(),
    query: (cursor) => ({
      queryKey: qk.broadcasts(cursor, PAGE),
      queryFn: () => fetchers.broadcasts(cursor, PAGE),
    }),
    rows: (d) => d.broadcasts,
  });
  const total = list.query.data?.total;
  return (
    <>
      <PageHeader
        title="Broadcast history"
        description="Every broadcast, newest first, with who sent it and what became of it."
        actions={<ButtonLink href="/admin/broadcasts/new">New broadcast</ButtonLink>}
      />
      <Card
        title="Broadcasts"
        description={total !== undefined ? `${fmt(total)} in total` : undefined}
        bodyClassName="px-4 pb-4 pt-1 sm:px-5"
      >
        <CursorList
          list={list}
          loading="Loading broadcasts"
          loadingRows={6}
          pageSize={PAGE}
          total={total}
          noun={["broadcast", "broadcasts"]}
          empty={
            <NoBroadcasts action="Compose a broadcast">
              Broadcasts sent from here, the API or the CLI are listed here.
            </NoBroadcasts>
          }
        >
          {(rows) => <BroadcastTable broadcasts={rows} />}
        </CursorList>
      </Card>
    </>
  );
}
