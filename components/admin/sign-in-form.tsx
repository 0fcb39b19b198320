"use client";

import { useMutation } from "@tanstack/react-query";
import { signIn } from "next-auth/react";
import { type FormEvent, useState } from "react";
import { z } from "zod";
import { Logo } from "./shell";
import { Alert, Button, Field, inputClass } from "./ui";

const SignInSchema = z.object({
  email: z.string().trim().min(1, "Enter your email").pipe(z.email("Enter a valid email address")),
  password: z.string().min(1, "Enter your password"),
});

/** The one message for every refused sign-in: it must not tell which part was wrong. */
export const SIGN_IN_FAILED =
  "Sign-in failed. Check your email and password. After several failed attempts, sign-in is paused for a few minutes.";

/** The sign-in limit answered (429): how long to wait, in words. */
export function pausedMessage(error: string | null | undefined): string | null {
  const m = /^RateLimited(?::(\d+))?$/.exec(error ?? "");
  if (!m) return null;
  const minutes = Math.max(1, Math.ceil(Number(m[1] ?? 60) / 60));
  return `Too many sign-in attempts. Sign-in is paused here for about ${minutes} minute${minutes === 1 ? "" : "s"}.`;
}

/** Only console paths are followed after sign-in (no open redirect). */
function safeCallback(url: string | undefined): string {
  if (!url) return "/admin";
  try {
    const u = new URL(url, "http://herald.invalid");
    if (
      u.origin !== "http://herald.invalid" &&
      typeof window !== "undefined" &&
      u.origin !== window.location.origin
    )
      return "/admin";
    const path = u.pathname + u.search;
    return path.startsWith("/admin") && !path.startsWith("/admin/sign-in") ? path : "/admin";
  } catch {
    return "/admin";
  }
}

type Creds = z.infer<typeof SignInSchema>;

const FIELDS = [
  { name: "email", label: "Email", type: "email", autoComplete: "username", inputMode: "email" },
  { name: "password", label: "Password", type: "password", autoComplete: "current-password" },
] as const;

export function SignInForm({ callbackUrl, initialError }: { callbackUrl?: string; initialError?: string }) {
  const [values, setValues] = useState<Creds>({ email: "", password: "" });
  const [errors, setErrors] = useState<Partial<Creds>>({});
  const [failed, setFailed] = useState<string | null>(
    initialError ? (pausedMessage(initialError) ?? SIGN_IN_FAILED) : null,
  );

  const mutation = useMutation({
    mutationFn: async (creds: Creds) => {
      const res = await signIn("credentials", { ...creds, redirect: false });
      if (!res?.ok || res.error) throw new Error(pausedMessage(res?.error) ?? SIGN_IN_FAILED);
      return res;
    },
    onSuccess: () => window.location.assign(safeCallback(callbackUrl)),
    onError: (err) => {
      setFailed(err instanceof Error ? err.message : SIGN_IN_FAILED);
      setValues((v) => ({ ...v, password: "" }));
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = SignInSchema.safeParse(values);
    if (!parsed.success) {
      const next: typeof errors = {};
      for (const i of parsed.error.issues) {
        const k = i.path[0] as keyof typeof errors;
        next[k] ??= i.message;
      }
      setErrors(next);
      return;
    }
    setErrors({});
    setFailed(null);
    mutation.mutate(parsed.data);
  };

  return (
    <main className="flex min-h-dvh flex-col items-center justify-center bg-gradient-to-b from-slate-50 to-slate-100 px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex justify-center">
          <Logo />
        </div>
        <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
          <h1 className="text-lg font-semibold text-slate-900">Sign in to the admin console</h1>
          <p className="mt-1 text-sm text-slate-500">Send system broadcasts to every chat session.</p>
          <form className="mt-6 space-y-4" onSubmit={submit} noValidate>
            {failed && <Alert>{failed}</Alert>}
            {FIELDS.map(({ name, label, ...input }) => (
              <Field key={name} label={label} error={errors[name]}>
                {(p) => (
                  <input
                    {...p}
                    {...input}
                    name={name}
                    value={values[name]}
                    onChange={(e) => setValues((v) => ({ ...v, [name]: e.target.value }))}
                    className={inputClass}
                  />
                )}
              </Field>
            ))}
            <Button type="submit" size="lg" className="w-full" disabled={mutation.isPending}>
              {mutation.isPending ? "Signing in…" : "Sign in"}
            </Button>
          </form>
        </div>
        <div className="mt-6 space-y-2 text-center text-xs text-slate-600">
          <p>
            The first admin&apos;s email and password are printed in the terminal when Herald first starts.
          </p>
          <p>
            More admins:{" "}
            <code className="whitespace-nowrap rounded bg-slate-200/70 px-1 py-0.5 font-mono text-[11px] text-slate-700">
              npm run herald -- admin create &lt;email&gt;
            </code>
          </p>
        </div>
      </div>
    </main>
  );
}
