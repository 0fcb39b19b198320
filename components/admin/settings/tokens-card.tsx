"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import {
  CreateTokenInputSchema,
  SCOPE_DESCRIPTIONS,
  TOKEN_SCOPES,
  type TokenInfo,
  type TokenScope,
} from "@/lib/schemas/token";
import { api, qk } from "../api";
import { CopyButton } from "../copy-button";
import { ConfirmDialog } from "../dialog";
import { DataTable, QueryStates } from "../table";
import { RelativeTime } from "../time";
import { Alert, Badge, Button, Card, Field, inputClass } from "../ui";

/** API tokens for scripts: create one with scopes (its secret is shown once), see when each was last used, revoke. */
export function TokensCard() {
  const queryClient = useQueryClient();
  const tokens = useQuery({
    queryKey: qk.tokens,
    queryFn: () => api<{ tokens: TokenInfo[] }>("/api/tokens"),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: qk.tokens });
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<TokenScope[]>(["broadcasts:write", "broadcasts:read"]);
  const [errors, setErrors] = useState<{ name?: string; scopes?: string }>({});
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (body: { name: string; scopes: TokenScope[] }) =>
      api<{ token: string; info: TokenInfo }>("/api/tokens", { method: "POST", body }),
    onSuccess: (data) => {
      setSecret({ name: data.info.name, token: data.token });
      setName("");
      return refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (n: string) => api(`/api/tokens/${encodeURIComponent(n)}`, { method: "DELETE" }),
    onSuccess: () => {
      setRevoking(null);
      return refresh();
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = CreateTokenInputSchema.safeParse({ name, scopes });
    if (!parsed.success) {
      const next: typeof errors = {};
      for (const i of parsed.error.issues) next[i.path[0] as "name" | "scopes"] ??= i.message;
      setErrors(next);
      return;
    }
    setErrors({});
    create.mutate(parsed.data);
  };
  const toggle = (s: TokenScope) =>
    setScopes((cur) => (cur.includes(s) ? cur.filter((x) => x !== s) : [...cur, s]));

  return (
    <Card title="API tokens" description="For scripts and the HTTP API: Authorization: Bearer <token>.">
      {secret && (
        <div className="mb-4">
          <Alert tone="amber" title={`Token "${secret.name}" created: copy it now, it is not shown again`}>
            <div className="mt-2 flex flex-wrap items-center gap-2">
              <code
                className="break-all rounded bg-white/70 px-2 py-1 font-mono text-xs"
                data-testid="new-token"
              >
                {secret.token}
              </code>
              <CopyButton text={secret.token} label="Copy token" what="token" />
              <Button variant="ghost" size="sm" onClick={() => setSecret(null)}>
                Done
              </Button>
            </div>
          </Alert>
        </div>
      )}
      <QueryStates
        query={tokens}
        rows={tokens.data?.tokens}
        loading="Loading tokens…"
        empty={<p className="py-2 text-sm text-slate-500">No tokens yet.</p>}
      >
        {(rows) => (
          <DataTable
            label="API tokens"
            rows={rows}
            rowKey={(t) => t.name}
            columns={[
              { header: "Name", cell: (t) => <span className="font-medium text-slate-900">{t.name}</span> },
              {
                header: "Scopes",
                cell: (t) => (
                  <span className="flex flex-wrap gap-1">
                    {t.scopes.map((s) => (
                      <Badge key={s} tone="slate">
                        {s}
                      </Badge>
                    ))}
                  </span>
                ),
              },
              {
                header: "Created",
                className: "hidden md:table-cell",
                cell: (t) => <RelativeTime iso={t.createdAt} />,
              },
              {
                header: "Last used",
                className: "hidden sm:table-cell",
                cell: (t) => (t.lastUsedAt ? <RelativeTime iso={t.lastUsedAt} /> : "never"),
              },
              {
                header: "Actions",
                srOnly: true,
                className: "text-right",
                cell: (t) => (
                  <Button
                    variant="ghost"
                    size="sm"
                    onClick={() => setRevoking(t.name)}
                    aria-label={`Revoke ${t.name}`}
                  >
                    Revoke
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
        aria-label="Create a token"
        className="mt-5 border-t border-slate-100 pt-4"
      >
        <h3 className="mb-3 text-sm font-semibold text-slate-900">Create a token</h3>
        <div className="grid gap-4 sm:grid-cols-[minmax(0,16rem)_1fr]">
          <Field label="Name" hint="Letters, digits, '.', '_' and '-'." error={errors.name}>
            {(p) => (
              <input
                {...p}
                className={inputClass}
                value={name}
                placeholder="deploy-script"
                autoComplete="off"
                onChange={(e) => setName(e.target.value)}
              />
            )}
          </Field>
          <fieldset aria-describedby={errors.scopes ? "token-scopes-error" : undefined}>
            <legend className="mb-1.5 text-sm font-medium text-slate-800">Scopes</legend>
            <div className="space-y-1.5">
              {TOKEN_SCOPES.map((s) => (
                <label key={s} className="flex items-start gap-2 text-sm">
                  <input
                    type="checkbox"
                    className="mt-0.5 size-4 rounded border-slate-300 accent-indigo-600"
                    checked={scopes.includes(s)}
                    onChange={() => toggle(s)}
                  />
                  <span>
                    <code className="font-mono text-xs text-slate-900">{s}</code>
                    <span className="text-slate-500"> — {SCOPE_DESCRIPTIONS[s]}</span>
                  </span>
                </label>
              ))}
            </div>
            {errors.scopes && (
              <p id="token-scopes-error" className="mt-1.5 text-xs font-medium text-rose-600">
                {errors.scopes}
              </p>
            )}
          </fieldset>
        </div>
        {create.isError && (
          <div className="mt-3">
            <Alert>{(create.error as Error).message}</Alert>
          </div>
        )}
        <Button type="submit" className="mt-4" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create token"}
        </Button>
      </form>

      <ConfirmDialog
        open={revoking !== null}
        onClose={() => {
          setRevoking(null);
          revoke.reset();
        }}
        title="Revoke this token?"
        confirm="Revoke token"
        working="Revoking…"
        busy={revoke.isPending}
        error={revoke.error}
        onConfirm={() => revoking && revoke.mutate(revoking)}
      >
        <p>
          Scripts using <strong className="font-medium text-slate-900">{revoking}</strong> are refused from
          now on.
        </p>
      </ConfirmDialog>
    </Card>
  );
}
