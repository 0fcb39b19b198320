"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { ChangePasswordInputSchema } from "@/lib/schemas/admin";
import { api, qk } from "../api";
import { RelativeTime } from "../time";
import { Alert, Badge, Button, Card, ErrorState, Field, inputClass, LoadingBlock } from "../ui";

interface Account {
  email: string;
  sessions: { current: boolean; createdAt: string; address: string | null; userAgent: string | null }[];
}

type Errors = Partial<Record<"currentPassword" | "newPassword" | "confirm", string>>;

const PASSWORD_FIELDS = [
  { name: "currentPassword", label: "Current password", autoComplete: "current-password", hint: undefined },
  {
    name: "newPassword",
    label: "New password",
    autoComplete: "new-password",
    hint: "At least 8 characters.",
  },
  { name: "confirm", label: "Repeat the new password", autoComplete: "new-password", hint: undefined },
] as const;

/** The signed-in admin: change the password (other sign-ins end), see and end sign-ins. */
export function AccountCard() {
  const queryClient = useQueryClient();
  const account = useQuery({ queryKey: qk.account, queryFn: () => api<Account>("/api/account") });
  const [values, setValues] = useState({ currentPassword: "", newPassword: "", confirm: "" });
  const [errors, setErrors] = useState<Errors>({});
  const change = useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) =>
      api<{ endedSessions: number }>("/api/account/password", { method: "POST", body }),
    onSuccess: () => {
      setValues({ currentPassword: "", newPassword: "", confirm: "" });
      return queryClient.invalidateQueries({ queryKey: qk.account });
    },
  });
  const endOthers = useMutation({
    mutationFn: () => api<{ endedSessions: number }>("/api/account/sessions", { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.account }),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next: Errors = {};
    const parsed = ChangePasswordInputSchema.safeParse(values);
    if (!parsed.success) {
      for (const i of parsed.error.issues) next[i.path[0] as keyof Errors] ??= i.message;
    }
    if (values.confirm !== values.newPassword) next.confirm = "the two new passwords differ";
    setErrors(next);
    if (Object.keys(next).length > 0 || !parsed.success) return;
    change.mutate(parsed.data);
  };
  const set = (k: keyof typeof values) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [k]: e.target.value }));
  const others = (account.data?.sessions ?? []).filter((s) => !s.current).length;

  return (
    <Card title="Your account" description={account.data ? `Signed in as ${account.data.email}` : undefined}>
      <div className="grid gap-8 lg:grid-cols-2">
        <form onSubmit={submit} noValidate className="space-y-4" aria-label="Change password">
          <h3 className="text-sm font-semibold text-slate-900">Change password</h3>
          {PASSWORD_FIELDS.map((f) => (
            <Field key={f.name} label={f.label} hint={f.hint} error={errors[f.name]}>
              {(p) => (
                <input
                  {...p}
                  type="password"
                  autoComplete={f.autoComplete}
                  className={inputClass}
                  value={values[f.name]}
                  onChange={set(f.name)}
                />
              )}
            </Field>
          ))}
          {change.isError && <Alert>{(change.error as Error).message}</Alert>}
          {change.isSuccess && (
            <Alert tone="sky">
              Password changed.{" "}
              {change.data.endedSessions > 0
                ? `${change.data.endedSessions} other sign-in${change.data.endedSessions === 1 ? " was" : "s were"} ended.`
                : "You had no other sign-ins."}
            </Alert>
          )}
          <Button type="submit" disabled={change.isPending}>
            {change.isPending ? "Changing…" : "Change password"}
          </Button>
        </form>

        <div className="space-y-3">
          <h3 className="text-sm font-semibold text-slate-900">Where you are signed in</h3>
          {account.isPending ? (
            <LoadingBlock rows={2} />
          ) : account.isError ? (
            <ErrorState error={account.error} onRetry={() => account.refetch()} />
          ) : (
            <ul
              className="divide-y divide-slate-100 rounded-lg border border-slate-200"
              aria-label="Sign-ins"
            >
              {account.data.sessions.map((s) => (
                <li
                  key={s.createdAt + (s.address ?? "")}
                  className="flex items-start justify-between gap-3 px-3 py-2.5"
                >
                  <div className="min-w-0 text-sm">
                    <p className="truncate text-slate-800" title={s.userAgent ?? undefined}>
                      {describeAgent(s.userAgent)}
                    </p>
                    <p className="text-xs text-slate-500">
                      {s.address ?? "unknown address"} · signed in <RelativeTime iso={s.createdAt} />
                    </p>
                  </div>
                  {s.current && <Badge tone="emerald">This browser</Badge>}
                </li>
              ))}
            </ul>
          )}
          {endOthers.isError && <Alert>{(endOthers.error as Error).message}</Alert>}
          <Button
            variant="secondary"
            size="sm"
            disabled={others === 0 || endOthers.isPending}
            onClick={() => endOthers.mutate()}
          >
            Sign out everywhere else{others > 0 ? ` (${others})` : ""}
          </Button>
        </div>
      </div>
    </Card>
  );
}

function describeAgent(ua: string | null): string {
  if (!ua) return "Unknown browser";
  const browser = /Firefox\//.test(ua)
    ? "Firefox"
    : /Edg\//.test(ua)
      ? "Edge"
      : /Chrome\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : /curl|node|undici/i.test(ua)
            ? "Script"
            : "Browser";
  const os = /Windows/.test(ua)
    ? "Windows"
    : /Mac OS X/.test(ua)
      ? "macOS"
      : /Android/.test(ua)
        ? "Android"
        : /iPhone|iPad/.test(ua)
          ? "iOS"
          : /Linux/.test(ua)
            ? "Linux"
            : "";
  return os ? `${browser} on ${os}` : browser;
}
