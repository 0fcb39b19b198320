"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { AddAdminInputSchema, type AdminListItem } from "@/lib/schemas/admin";
import { api, qk } from "../api";
import { ConfirmDialog } from "../dialog";
import { DataTable, QueryStates } from "../table";
import { RelativeTime } from "../time";
import { Alert, Badge, Button, Card, Field, inputClass } from "../ui";

type Errors = Partial<Record<"email" | "password", string>>;

/** The console's admins: add one (with a first password to hand over), remove one (their sign-ins end). */
export function AdminsCard({ me }: { me: string }) {
  const queryClient = useQueryClient();
  const admins = useQuery({
    queryKey: qk.admins,
    queryFn: () => api<{ admins: AdminListItem[] }>("/api/admins"),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: qk.admins });
  const [values, setValues] = useState({ email: "", password: "" });
  const [errors, setErrors] = useState<Errors>({});
  const [removing, setRemoving] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: (body: { email: string; password: string }) => api("/api/admins", { method: "POST", body }),
    onSuccess: () => {
      setValues({ email: "", password: "" });
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (email: string) => api(`/api/admins/${encodeURIComponent(email)}`, { method: "DELETE" }),
    onSuccess: () => {
      setRemoving(null);
      return refresh();
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = AddAdminInputSchema.safeParse(values);
    if (!parsed.success) {
      const next: Errors = {};
      for (const i of parsed.error.issues) next[i.path[0] as keyof Errors] ??= i.message;
      setErrors(next);
      return;
    }
    setErrors({});
    add.mutate(parsed.data);
  };

  return (
    <Card title="Admins" description="Everyone here can sign in to this console and send broadcasts.">
      <QueryStates query={admins} rows={admins.data?.admins} loading="Loading admins…">
        {(rows) => (
          <DataTable
            label="Admins"
            rows={rows}
            rowKey={(a) => a.email}
            columns={[
              {
                header: "Email",
                cell: (a) => (
                  <span className="flex items-center gap-2">
                    <span className="truncate text-slate-900">{a.email}</span>
                    {a.email === me && <Badge tone="indigo">You</Badge>}
                  </span>
                ),
              },
              {
                header: "Added",
                className: "hidden sm:table-cell",
                cell: (a) => <RelativeTime iso={a.createdAt} />,
              },
              {
                header: "Signed in",
                className: "hidden sm:table-cell",
                cell: (a) =>
                  a.activeSessions > 0
                    ? `${a.activeSessions} browser${a.activeSessions === 1 ? "" : "s"}`
                    : "no",
              },
              {
                header: "Actions",
                srOnly: true,
                className: "text-right",
                cell: (a) =>
                  a.email === me ? null : (
                    <Button
                      variant="ghost"
                      size="sm"
                      onClick={() => setRemoving(a.email)}
                      aria-label={`Remove ${a.email}`}
                    >
                      Remove
                    </Button>
                  ),
              },
            ]}
          />
        )}
      </QueryStates>

      <form
        onSubmit={submit}
        noValidate
        aria-label="Add an admin"
        className="mt-5 border-t border-slate-100 pt-4"
      >
        <h3 className="mb-3 text-sm font-semibold text-slate-900">Add an admin</h3>
        <div className="grid gap-3 sm:grid-cols-[1fr_1fr_auto] sm:items-start">
          <Field label="Email" error={errors.email}>
            {(p) => (
              <input
                {...p}
                type="email"
                autoComplete="off"
                className={inputClass}
                value={values.email}
                onChange={(e) => setValues((v) => ({ ...v, email: e.target.value }))}
              />
            )}
          </Field>
          <Field
            label="First password"
            hint="Hand it over safely; they can change it here."
            error={errors.password}
          >
            {(p) => (
              <input
                {...p}
                type="password"
                autoComplete="new-password"
                className={inputClass}
                value={values.password}
                onChange={(e) => setValues((v) => ({ ...v, password: e.target.value }))}
              />
            )}
          </Field>
          <Button type="submit" className="sm:mt-7" disabled={add.isPending}>
            {add.isPending ? "Adding…" : "Add admin"}
          </Button>
        </div>
        {add.isError && (
          <div className="mt-3">
            <Alert>{(add.error as Error).message}</Alert>
          </div>
        )}
      </form>

      <ConfirmDialog
        open={removing !== null}
        onClose={() => {
          setRemoving(null);
          remove.reset();
        }}
        title="Remove this admin?"
        confirm="Remove admin"
        working="Removing…"
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() => removing && remove.mutate(removing)}
      >
        <p>
          <strong className="font-medium text-slate-900">{removing}</strong> will no longer be able to sign
          in, and is signed out of every browser now.
        </p>
      </ConfirmDialog>
    </Card>
  );
}
