"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useId, useState } from "react";
import {
  BroadcastInputSchema,
  MAX_MESSAGE_LENGTH,
  MAX_TITLE_LENGTH,
  type Target,
} from "@/lib/schemas/broadcast";
import { LEVEL_LABEL, LEVELS, type Level } from "@/lib/schemas/message";
import {
  ApiError,
  fetchers,
  newBroadcastId,
  previewQueryFn,
  previewStaleTime,
  qk,
  SEND_MUTATION_KEY,
} from "../api";
import { Dialog } from "../dialog";
import { fmt, formatTime } from "../format";
import { ChatPreview } from "../message-preview";
import { Alert, Button, Card, cn, Field, inputClass, PageHeader, Spinner } from "../ui";
import { useComposeDraft } from "./draft";
import { ScheduleFields, scheduleToInput } from "./schedule-fields";
import { SessionPicker } from "./session-picker";
import { missingSessionsNote, nothingToSend, TargetPreview } from "./target-preview";

type TargetType = Target["type"];

const CONFIRM_FRESH_MS = 15_000;
type Errors = Partial<
  Record<"message" | "title" | "level" | "target" | "sendAt" | "expiresAt" | "form", string>
>;

const LEVEL_META: Record<Level, { hint: string; dot: string }> = {
  info: { hint: "News, tips", dot: "bg-sky-500" },
  success: { hint: "Resolved, done", dot: "bg-emerald-500" },
  warning: { hint: "Maintenance ahead", dot: "bg-amber-500" },
  error: { hint: "Outage, action needed", dot: "bg-rose-500" },
};

const TARGETS: { value: TargetType; label: string; hint: string }[] = [
  { value: "all", label: "All sessions", hint: "Every session, including ones that never sent a message" },
  { value: "online", label: "Online now", hint: "Sessions with the chat page open" },
  { value: "sessions", label: "Chosen sessions", hint: "Pick sessions by id" },
];

function errorsFrom(issues: { path: PropertyKey[]; message: string }[]): Errors {
  const out: Errors = {};
  for (const i of issues) {
    const k = String(i.path[0] ?? "form");
    const key = (
      ["message", "title", "level", "target", "sendAt", "expiresAt"].includes(k) ? k : "form"
    ) as keyof Errors;
    out[key] ??= i.message;
  }
  return out;
}

export function ComposeBroadcast({ initialSessions = [] }: { initialSessions?: string[] }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const { draft, update, discard, markSent, restoredAt } = useComposeDraft(initialSessions);
  const { title, message, level, targetType, chosen, schedule } = draft;
  const setChosen = (ids: string[]) => update({ chosen: ids });
  const [errors, setErrors] = useState<Errors>({});
  const [confirming, setConfirming] = useState(false);
  const [pendingId, setPendingId] = useState<string | null>(null);
  const levelName = useId();
  const targetName = useId();
  const targetErrorId = useId();

  const target: Target | null =
    targetType === "sessions"
      ? chosen.length > 0
        ? { type: "sessions", ids: chosen }
        : null
      : { type: targetType };

  const timing = scheduleToInput(schedule);
  const scheduled = timing.sendAt !== undefined;
  const buildInput = () => ({
    message,
    ...(title.trim() ? { title } : {}),
    level,
    target: target ?? { type: "sessions" as const, ids: [] },
    ...(timing.sendAt ? { sendAt: timing.sendAt } : {}),
    ...(timing.expiresAt ? { expiresAt: timing.expiresAt } : {}),
  });

  // The count in the confirmation: the target preview's own, recounted unless it is a few
  // seconds old (counting "all" walks the whole keyspace, so it is not repeated needlessly).
  const confirmQuery = useQuery({
    queryKey: qk.preview(target ?? { type: "all" }),
    queryFn: previewQueryFn(target ?? { type: "all" }),
    enabled: confirming && target !== null,
    staleTime: previewStaleTime(CONFIRM_FRESH_MS),
  });
  const confirmCount = {
    isError: confirmQuery.isError,
    error: confirmQuery.error,
    // Only exact counts: not while a count goes on, never an estimate.
    data: confirmQuery.isFetching || confirmQuery.data?.counting ? undefined : confirmQuery.data,
  };

  const send = useMutation({
    mutationKey: SEND_MUTATION_KEY,
    mutationFn: (input: ReturnType<typeof buildInput> & { id: string }) => fetchers.send(input),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: qk.allBroadcasts });
      queryClient.invalidateQueries({ queryKey: qk.stats }, { cancelRefetch: false });
    },
  });

  const openConfirm = (e: FormEvent) => {
    e.preventDefault();
    const parsed = BroadcastInputSchema.safeParse(buildInput());
    if (!parsed.success || Object.keys(timing.errors).length > 0) {
      const next = { ...(parsed.success ? {} : errorsFrom(parsed.error.issues)), ...timing.errors };
      if (targetType === "sessions" && chosen.length === 0) next.target = "Choose at least one session.";
      setErrors(next);
      // Focus the first field in error so keyboard and screen-reader users land on it.
      requestAnimationFrame(() => document.querySelector<HTMLElement>("[aria-invalid='true']")?.focus());
      return;
    }
    setErrors({});
    setConfirming(true);
  };

  const confirmSend = async () => {
    const id = newBroadcastId();
    setPendingId(id);
    // POST /api/broadcasts answers 202 {id, status} once the broadcast and its job exist: the
    // report opens on the id of that answer, so its first request finds it. It opens at the top
    // (the confirmation was asked at the bottom of a long form).
    try {
      const sent = await send.mutateAsync({ ...buildInput(), id });
      markSent();
      setConfirming(false);
      window.scrollTo({ top: 0 });
      router.push(`/admin/broadcasts/${encodeURIComponent(sent.id)}`, { scroll: true });
    } catch (err) {
      setPendingId(null);
      setConfirming(false);
      if (err instanceof ApiError && err.issues.length > 0) setErrors(errorsFrom(err.issues));
      else setErrors({ form: err instanceof Error ? err.message : "The broadcast could not be sent." });
    }
  };

  const removeChosen = (id: string) => setChosen(chosen.filter((x) => x !== id));
  const count = confirmCount.data?.total;
  const missing =
    targetType === "sessions" && confirmCount.data ? new Set(chosen).size - confirmCount.data.total : 0;
  const reach =
    target === null
      ? "Choose at least one session."
      : targetType === "all"
        ? "Goes to every session, empty ones included."
        : targetType === "online"
          ? "Goes to sessions online when you send."
          : `Goes to the ${fmt(chosen.length)} chosen session${chosen.length === 1 ? "" : "s"}.`;

  return (
    <>
      <PageHeader
        title="New broadcast"
        description="Write the message, choose who gets it, check the preview, send."
        back={{ href: "/admin/broadcasts", label: "History" }}
      />
      <form onSubmit={openConfirm} noValidate>
        <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
          <div className="min-w-0 space-y-6">
            {restoredAt && (
              <div
                className="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900"
                data-testid="draft-restored"
              >
                <span>Your unsent draft{restoredAt ? ` from ${formatTime(restoredAt)}` : ""} is back.</span>
                <Button variant="secondary" size="sm" onClick={discard}>
                  Discard draft
                </Button>
              </div>
            )}
            {errors.form && <Alert title="The broadcast was not sent">{errors.form}</Alert>}
            <Card title="Message">
              <div className="space-y-5">
                <Field
                  label="Title"
                  optional
                  error={errors.title}
                  hint="Shown in bold above the message."
                  counter={
                    title.length > MAX_TITLE_LENGTH * 0.8 ? `${title.length}/${MAX_TITLE_LENGTH}` : undefined
                  }
                >
                  {(p) => (
                    <input
                      {...p}
                      name="title"
                      value={title}
                      onChange={(e) => {
                        update({ title: e.target.value });
                        if (errors.title) setErrors((x) => ({ ...x, title: undefined }));
                      }}
                      maxLength={MAX_TITLE_LENGTH + 50}
                      placeholder="Maintenance Alert"
                      className={inputClass}
                    />
                  )}
                </Field>
                <Field
                  label="Message"
                  error={errors.message}
                  counter={`${fmt(message.length)}/${fmt(MAX_MESSAGE_LENGTH)}`}
                >
                  {(p) => (
                    <textarea
                      {...p}
                      name="message"
                      value={message}
                      onChange={(e) => {
                        update({ message: e.target.value });
                        if (errors.message) setErrors((x) => ({ ...x, message: undefined }));
                      }}
                      rows={5}
                      placeholder="System maintenance in 5 minutes"
                      className={cn(inputClass, "resize-y")}
                    />
                  )}
                </Field>
                <fieldset>
                  <legend className="mb-1.5 text-sm font-medium text-slate-800">Level</legend>
                  <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
                    {LEVELS.map((l) => (
                      <label
                        key={l}
                        className={cn(
                          "flex cursor-pointer items-start gap-2 rounded-lg border px-3 py-2 transition-colors has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-indigo-600",
                          level === l
                            ? "border-indigo-600 bg-indigo-50/60 ring-1 ring-indigo-600"
                            : "border-slate-200 hover:border-slate-300",
                        )}
                      >
                        <input
                          type="radio"
                          name={levelName}
                          value={l}
                          checked={level === l}
                          onChange={() => update({ level: l })}
                          className="sr-only"
                        />
                        <span
                          aria-hidden="true"
                          className={cn("mt-1.5 size-2 shrink-0 rounded-full", LEVEL_META[l].dot)}
                        />
                        <span>
                          <span className="block text-sm font-medium text-slate-900">{LEVEL_LABEL[l]}</span>
                          <span className="block text-xs text-slate-600">{LEVEL_META[l].hint}</span>
                        </span>
                      </label>
                    ))}
                  </div>
                </fieldset>
              </div>
            </Card>

            <Card
              title="When"
              description="Send it now or at a set time; optionally remove it by itself later."
            >
              <ScheduleFields
                value={schedule}
                onChange={(next) => update({ schedule: next })}
                errors={{ sendAt: errors.sendAt, expiresAt: errors.expiresAt }}
              />
            </Card>
            <Card title="Audience">
              <fieldset>
                <legend className="sr-only">Send to</legend>
                <div className="grid gap-2 sm:grid-cols-3">
                  {TARGETS.map((t) => (
                    <label
                      key={t.value}
                      className={cn(
                        "flex cursor-pointer flex-col rounded-lg border px-3 py-2.5 transition-colors has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-indigo-600",
                        targetType === t.value
                          ? "border-indigo-600 bg-indigo-50/60 ring-1 ring-indigo-600"
                          : "border-slate-200 hover:border-slate-300",
                      )}
                    >
                      <input
                        type="radio"
                        name={targetName}
                        value={t.value}
                        checked={targetType === t.value}
                        onChange={() => {
                          update({ targetType: t.value });
                          setErrors((e) => ({ ...e, target: undefined }));
                        }}
                        className="sr-only"
                      />
                      <span className="text-sm font-medium text-slate-900">{t.label}</span>
                      <span className="mt-0.5 text-xs text-slate-600">{t.hint}</span>
                    </label>
                  ))}
                </div>
              </fieldset>
              {targetType === "sessions" && (
                <div className="mt-4">
                  <SessionPicker
                    chosen={chosen}
                    onChange={(ids: string[]) => {
                      setChosen(ids);
                      if (ids.length > 0) setErrors((e) => ({ ...e, target: undefined }));
                    }}
                    error={errors.target}
                    errorId={targetErrorId}
                  />
                </div>
              )}
              {targetType !== "sessions" && errors.target && (
                <p className="mt-2 text-xs font-medium text-rose-600">{errors.target}</p>
              )}
            </Card>

            <TargetPreview target={target} onRemove={removeChosen} />
          </div>

          <aside className="min-w-0 lg:sticky lg:top-20 lg:self-start">
            <div className="space-y-4">
              <div>
                <h2 className="mb-2 text-sm font-semibold text-slate-900">Preview</h2>
                <ChatPreview title={title.trim() || undefined} message={message.trim()} level={level} />
              </div>
              <div className="hidden rounded-xl border border-slate-200 bg-white p-4 shadow-sm lg:block">
                <p className="text-sm text-slate-600">{reach}</p>
                <Button type="submit" size="lg" className="mt-3 w-full" disabled={send.isPending}>
                  Review and send…
                </Button>
              </div>
            </div>
          </aside>
        </div>
        {/* Phones and tablets: the form is long, so the send button stays at the bottom of the screen. */}
        <div
          className="sticky bottom-0 z-20 -mx-4 mt-6 flex items-center gap-3 border-t border-slate-200 bg-white/95 px-4 py-3 backdrop-blur sm:-mx-6 sm:px-6 lg:hidden"
          data-testid="send-bar"
        >
          <p className="min-w-0 flex-1 text-xs text-slate-600">{reach}</p>
          <Button type="submit" className="shrink-0" disabled={send.isPending}>
            Review and send…
          </Button>
        </div>
      </form>

      <Dialog
        open={confirming}
        onClose={() => !pendingId && setConfirming(false)}
        title={scheduled ? "Schedule this broadcast?" : "Send this broadcast?"}
        footer={
          <>
            <Button variant="secondary" onClick={() => setConfirming(false)} disabled={pendingId !== null}>
              Cancel
            </Button>
            <Button
              onClick={confirmSend}
              disabled={count === undefined || (count === 0 && !scheduled) || pendingId !== null}
              data-testid="confirm-send"
            >
              {pendingId ? (
                <>
                  <Spinner /> Sending…
                </>
              ) : count === undefined ? (
                "Counting sessions…"
              ) : scheduled ? (
                `Schedule for ${formatTime(timing.sendAt)}`
              ) : (
                `Send to ${fmt(count)} session${count === 1 ? "" : "s"}`
              )}
            </Button>
          </>
        }
      >
        {confirmCount.isError ? (
          <p className="text-rose-700">Could not count the target: {confirmCount.error?.message}</p>
        ) : confirmCount.data ? (
          <div className="space-y-3">
            <p>
              “
              <span className="font-medium text-slate-900">
                {title.trim() || message.trim().slice(0, 80)}
              </span>
              {!title.trim() && message.trim().length > 80 ? "…" : ""}” will be stored in{" "}
              <strong className="text-slate-900" data-testid="confirm-count">
                {fmt(confirmCount.data.total)}
              </strong>{" "}
              session{confirmCount.data.total === 1 ? "" : "s"}.
            </p>
            <ul className="grid grid-cols-3 gap-2 text-center">
              <li className="rounded-lg bg-slate-50 px-2 py-1.5">
                <span className="block text-base font-semibold tabular-nums text-slate-900">
                  {fmt(confirmCount.data.empty)}
                </span>
                <span className="text-xs text-slate-500">empty</span>
              </li>
              <li className="rounded-lg bg-slate-50 px-2 py-1.5">
                <span className="block text-base font-semibold tabular-nums text-slate-900">
                  {fmt(confirmCount.data.withMessages)}
                </span>
                <span className="text-xs text-slate-500">with history</span>
              </li>
              <li className="rounded-lg bg-slate-50 px-2 py-1.5">
                <span className="block text-base font-semibold tabular-nums text-slate-900">
                  {fmt(confirmCount.data.online)}
                </span>
                <span className="text-xs text-slate-500">online now</span>
              </li>
            </ul>
            {missing > 0 && confirmCount.data.total > 0 && (
              <p className="text-amber-800" data-testid="confirm-missing">
                {missingSessionsNote(missing)}
              </p>
            )}
            {scheduled ? (
              <p className="text-xs text-slate-600" data-testid="confirm-schedule">
                It is sent at {formatTime(timing.sendAt)} (your time) to the sessions that match then: the
                count above is today&apos;s. You can cancel it until then.
              </p>
            ) : confirmCount.data.total === 0 ? (
              <p className="text-amber-800" data-testid="confirm-nothing">
                {nothingToSend(targetType)}
              </p>
            ) : (
              <p className="text-xs text-slate-500">
                Online sessions see it at once; the others find it in their history. This cannot be undone.
              </p>
            )}
          </div>
        ) : (
          <p className="flex items-center gap-2">
            <Spinner /> Counting the sessions this reaches…
          </p>
        )}
      </Dialog>
    </>
  );
}
