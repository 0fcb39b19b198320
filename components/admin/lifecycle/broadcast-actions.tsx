"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { Broadcast, BroadcastStatus } from "@/lib/schemas/broadcast";
import { api, qk } from "../api";
import { Dialog } from "../dialog";
import { fmt } from "../format";
import { Alert, Button } from "../ui";

const CANCELLABLE: readonly BroadcastStatus[] = ["scheduled", "queued", "running", "interrupted"];
const enc = encodeURIComponent;

/**
 * Cancel and Retract for one broadcast, each behind a confirmation that says what will happen.
 * Shown on the report; the buttons a status does not allow are not offered.
 */
export function BroadcastActions({ broadcast: b }: { broadcast: Broadcast }) {
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState<"cancel" | "retract" | null>(null);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: qk.broadcast(b.id) }),
      queryClient.invalidateQueries({ queryKey: qk.allBroadcasts }),
    ]);
  const action = useMutation({
    mutationFn: (kind: "cancel" | "retract") =>
      kind === "cancel"
        ? api(`/api/broadcasts/${enc(b.id)}/cancel`, { method: "POST", body: {} })
        : api(`/api/broadcasts/${enc(b.id)}`, { method: "DELETE" }),
    onSuccess: async () => {
      setAsking(null);
      await refresh();
    },
  });
  const canCancel = CANCELLABLE.includes(b.status);
  const canRetract = b.status !== "retracted";
  if (!canCancel && !canRetract) return null;
  const close = () => {
    setAsking(null);
    action.reset();
  };

  return (
    <>
      {canCancel && (
        <Button variant="secondary" onClick={() => setAsking("cancel")} data-testid="cancel-broadcast">
          Cancel
        </Button>
      )}
      {canRetract && (
        <Button variant="danger" onClick={() => setAsking("retract")} data-testid="retract-broadcast">
          Retract
        </Button>
      )}
      <Dialog
        open={asking !== null}
        onClose={close}
        title={asking === "cancel" ? "Cancel this broadcast?" : "Retract this broadcast?"}
        footer={
          <>
            <Button variant="secondary" onClick={close} disabled={action.isPending}>
              Keep it
            </Button>
            <Button
              variant={asking === "retract" ? "danger" : "primary"}
              onClick={() => asking && action.mutate(asking)}
              disabled={action.isPending}
              data-testid="confirm-action"
            >
              {action.isPending ? "Working…" : asking === "cancel" ? "Cancel broadcast" : "Retract broadcast"}
            </Button>
          </>
        }
      >
        {asking === "cancel" ? (
          <p>
            {b.status === "running"
              ? `It stops between batches. The ${fmt(b.stored)} sessions that have it keep it (retract it to remove those too).`
              : "It will not be sent. Nothing has been stored yet."}
          </p>
        ) : (
          <p>
            Its message is removed from every session&apos;s history and from every open chat page. Other
            messages stay as they are. This cannot be undone.
          </p>
        )}
        {action.error && (
          <div className="mt-3">
            <Alert>{action.error.message}</Alert>
          </div>
        )}
      </Dialog>
    </>
  );
}
