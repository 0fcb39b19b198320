"use client";

import Link from "next/link";
import { type ComponentProps, type ReactNode, useEffect, useId, useState } from "react";
import type { BroadcastStatus, DeliveryStatus } from "@/lib/schemas/broadcast";
import { LEVEL_LABEL, type Level } from "@/lib/schemas/message";
import { fmt } from "./format";

/** Join class names, skipping falsy ones. */
export function cn(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(" ");
}

/** A value that follows `value` after it has stopped changing for `ms` (search boxes). */
export function useDebounced<T>(value: T, ms = 300): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

type ButtonVariant = "primary" | "secondary" | "ghost" | "danger";
const buttonBase =
  "inline-flex items-center justify-center gap-2 rounded-lg font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-50";
const buttonVariants: Record<ButtonVariant, string> = {
  primary: "bg-indigo-600 text-white shadow-sm hover:bg-indigo-500",
  secondary: "bg-white text-slate-700 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50",
  ghost: "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
  danger: "bg-rose-600 text-white shadow-sm hover:bg-rose-500",
};
const buttonSizes = { sm: "px-2.5 py-1.5 text-xs", md: "px-3.5 py-2 text-sm", lg: "px-4 py-2.5 text-sm" };

export function buttonClass(variant: ButtonVariant = "primary", size: keyof typeof buttonSizes = "md") {
  return cn(buttonBase, buttonVariants[variant], buttonSizes[size]);
}

export function Button({
  variant = "primary",
  size = "md",
  className,
  type = "button",
  ...rest
}: ComponentProps<"button"> & { variant?: ButtonVariant; size?: keyof typeof buttonSizes }) {
  return <button type={type} className={cn(buttonClass(variant, size), className)} {...rest} />;
}

export function ButtonLink({
  variant = "primary",
  size = "md",
  className,
  ...rest
}: ComponentProps<typeof Link> & { variant?: ButtonVariant; size?: keyof typeof buttonSizes }) {
  return <Link className={cn(buttonClass(variant, size), className)} {...rest} />;
}

export function Card({
  title,
  description,
  actions,
  children,
  className,
  bodyClassName,
  id,
}: {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  bodyClassName?: string;
  id?: string;
}) {
  return (
    <section
      id={id}
      aria-label={typeof title === "string" ? title : undefined}
      className={cn("rounded-xl border border-slate-200 bg-white shadow-sm", className)}
    >
      {(title || actions) && (
        <header className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-100 px-4 py-3 sm:px-5">
          <div className="min-w-0">
            {title && <h2 className="text-sm font-semibold text-slate-900">{title}</h2>}
            {description && <p className="mt-0.5 text-xs text-slate-500">{description}</p>}
          </div>
          {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
        </header>
      )}
      <div className={cn("px-4 py-4 sm:px-5", bodyClassName)}>{children}</div>
    </section>
  );
}

export function PageHeader({
  title,
  description,
  actions,
  back,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  back?: { href: string; label: string };
}) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div className="min-w-0">
        {back && (
          <Link
            href={back.href}
            className="mb-1 inline-flex items-center gap-1 text-xs font-medium text-slate-500 hover:text-slate-800"
          >
            <span aria-hidden="true">←</span> {back.label}
          </Link>
        )}
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
        {description && <div className="mt-1 text-sm text-slate-500">{description}</div>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}

type Tone = "slate" | "indigo" | "sky" | "emerald" | "amber" | "rose" | "violet";
const tones: Record<Tone, string> = {
  slate: "bg-slate-100 text-slate-700 ring-slate-500/20",
  indigo: "bg-indigo-50 text-indigo-700 ring-indigo-600/20",
  sky: "bg-sky-50 text-sky-700 ring-sky-600/20",
  emerald: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  amber: "bg-amber-50 text-amber-800 ring-amber-600/30",
  rose: "bg-rose-50 text-rose-700 ring-rose-600/20",
  violet: "bg-violet-50 text-violet-700 ring-violet-600/20",
};

export function Badge({
  tone = "slate",
  children,
  dot,
}: {
  tone?: Tone;
  children: ReactNode;
  dot?: boolean;
}) {
  return (
    <span
      className={cn(
        "inline-flex items-center gap-1 whitespace-nowrap rounded-md px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset",
        tones[tone],
      )}
    >
      {dot && <span aria-hidden="true" className="size-1.5 rounded-full bg-current" />}
      {children}
    </span>
  );
}

/**
 * A session's history and presence as badges (empty / N messages, online; `offline` too
 * where asked), then `children`.
 */
export function SessionStateBadges({
  empty,
  messageCount,
  online,
  showOffline,
  gap = "gap-1",
  children,
}: {
  empty: boolean;
  messageCount: number;
  online: boolean;
  showOffline?: boolean;
  gap?: "gap-1" | "gap-2";
  children?: ReactNode;
}) {
  return (
    <span className={cn("flex flex-wrap items-center", gap)}>
      {empty ? (
        <Badge tone="amber">empty</Badge>
      ) : (
        <Badge>
          {fmt(messageCount)} message{messageCount === 1 ? "" : "s"}
        </Badge>
      )}
      {online ? (
        <Badge tone="emerald" dot>
          online
        </Badge>
      ) : (
        showOffline && <Badge>offline</Badge>
      )}
      {children}
    </span>
  );
}

export const LEVEL_TONE: Record<Level, Tone> = {
  info: "sky",
  success: "emerald",
  warning: "amber",
  error: "rose",
};
export function LevelBadge({ level }: { level: Level }) {
  return <Badge tone={LEVEL_TONE[level]}>{LEVEL_LABEL[level]}</Badge>;
}

const STATUS_TONE: Record<BroadcastStatus, Tone> = {
  scheduled: "slate",
  queued: "slate",
  running: "indigo",
  completed: "emerald",
  partial: "amber",
  failed: "rose",
  interrupted: "amber",
  cancelled: "slate",
  retracted: "slate",
};
export function StatusBadge({ status }: { status: BroadcastStatus }) {
  return (
    <Badge tone={STATUS_TONE[status]} dot>
      {status}
    </Badge>
  );
}

const DELIVERY_TONE: Record<DeliveryStatus, Tone> = {
  stored: "sky",
  duplicate: "slate",
  failed: "rose",
  delivered: "indigo",
  seen: "emerald",
};
export function DeliveryBadge({ status }: { status: DeliveryStatus }) {
  return <Badge tone={DELIVERY_TONE[status]}>{status}</Badge>;
}

export function Stat({
  label,
  value,
  hint,
  tone,
  testId,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  tone?: "default" | "good" | "warn" | "bad";
  testId?: string;
}) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white px-4 py-3 shadow-sm" data-testid={testId}>
      <dt className="truncate text-xs font-medium text-slate-500">{label}</dt>
      <dd
        className={cn(
          "mt-1 text-2xl font-semibold tabular-nums tracking-tight",
          tone === "good" && "text-emerald-700",
          tone === "warn" && "text-amber-700",
          tone === "bad" && "text-rose-700",
          (!tone || tone === "default") && "text-slate-900",
        )}
      >
        {value}
      </dd>
      {hint && <dd className="mt-0.5 truncate text-xs text-slate-600">{hint}</dd>}
    </div>
  );
}

export function Spinner({ className, label = "Loading" }: { className?: string; label?: string }) {
  return (
    <svg
      className={cn("size-4 animate-spin text-current", className)}
      viewBox="0 0 24 24"
      fill="none"
      role="img"
      aria-label={label}
    >
      <circle className="opacity-25" cx="12" cy="12" r="10" stroke="currentColor" strokeWidth="4" />
      <path className="opacity-75" fill="currentColor" d="M4 12a8 8 0 018-8v4a4 4 0 00-4 4H4z" />
    </svg>
  );
}

export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={cn("animate-pulse rounded bg-slate-200/70", className)} />;
}

export function LoadingBlock({ label = "Loading…", rows = 3 }: { label?: string; rows?: number }) {
  return (
    <output className="block space-y-2" aria-live="polite">
      <span className="sr-only">{label}</span>
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
        <Skeleton key={i} className="h-8 w-full" />
      ))}
    </output>
  );
}

export function EmptyState({
  title,
  children,
  action,
  icon,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  icon?: ReactNode;
}) {
  return (
    <div className="flex flex-col items-center justify-center px-4 py-10 text-center">
      <div className="mb-3 flex size-10 items-center justify-center rounded-full bg-slate-100 text-slate-400">
        {icon ?? <InboxIcon />}
      </div>
      <p className="text-sm font-medium text-slate-900">{title}</p>
      {children && <p className="mt-1 max-w-sm text-sm text-slate-500">{children}</p>}
      {action && <div className="mt-4">{action}</div>}
    </div>
  );
}

export function ErrorState({
  error,
  onRetry,
  title = "Could not load this",
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
}) {
  const message = error instanceof Error ? error.message : "Something went wrong.";
  return (
    <div
      role="alert"
      className="flex flex-col items-start gap-3 rounded-lg border border-rose-200 bg-rose-50 p-4 sm:flex-row sm:items-center"
    >
      <div className="flex-1 text-sm">
        <p className="font-medium text-rose-800">{title}</p>
        <p className="mt-0.5 text-rose-700">{message}</p>
      </div>
      {onRetry && (
        <Button variant="secondary" size="sm" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}

export function Alert({
  tone = "rose",
  title,
  children,
}: {
  tone?: "rose" | "amber" | "sky";
  title?: string;
  children: ReactNode;
}) {
  const styles = {
    rose: "border-rose-200 bg-rose-50 text-rose-800",
    amber: "border-amber-200 bg-amber-50 text-amber-900",
    sky: "border-sky-200 bg-sky-50 text-sky-900",
  }[tone];
  return (
    <div
      role={tone === "rose" ? "alert" : "status"}
      className={cn("rounded-lg border px-3 py-2.5 text-sm", styles)}
    >
      {title && <p className="font-medium">{title}</p>}
      <div className={title ? "mt-0.5 opacity-90" : undefined}>{children}</div>
    </div>
  );
}

/** A labelled form field; the error (or hint) is tied to the control through aria-describedby. */
export function Field({
  label,
  hint,
  error,
  optional,
  children,
  counter,
}: {
  label: string;
  hint?: ReactNode;
  error?: string;
  optional?: boolean;
  counter?: ReactNode;
  children: (props: { id: string; "aria-describedby"?: string; "aria-invalid"?: boolean }) => ReactNode;
}) {
  const id = useId();
  const describedBy = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div>
      <div className="mb-1.5 flex items-baseline justify-between gap-2">
        <label htmlFor={id} className="text-sm font-medium text-slate-800">
          {label}
          {optional && <span className="ml-1 font-normal text-slate-600">(optional)</span>}
        </label>
        {counter && <span className="text-xs tabular-nums text-slate-600">{counter}</span>}
      </div>
      {children({ id, "aria-describedby": describedBy, "aria-invalid": error ? true : undefined })}
      {error ? (
        <p id={`${id}-error`} className="mt-1.5 text-xs font-medium text-rose-600">
          {error}
        </p>
      ) : hint ? (
        <p id={`${id}-hint`} className="mt-1.5 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export const inputClass =
  "block w-full rounded-lg border-0 bg-white outline-none px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-500 focus:ring-2 focus:ring-inset focus:ring-indigo-600 aria-invalid:ring-rose-400 aria-invalid:focus:ring-rose-500 disabled:bg-slate-50";

/** A search box with a magnifier; `onChange` gets the raw value (debounce at the caller). */
export function SearchInput({
  value,
  onChange,
  label,
  placeholder,
  className,
}: {
  value: string;
  onChange: (v: string) => void;
  label: string;
  placeholder?: string;
  className?: string;
}) {
  return (
    <div className={cn("relative", className)}>
      <SearchIcon className="pointer-events-none absolute left-2.5 top-1/2 size-4 -translate-y-1/2 text-slate-400" />
      <input
        type="search"
        aria-label={label}
        value={value}
        placeholder={placeholder ?? label}
        onChange={(e) => onChange(e.target.value)}
        className={cn(inputClass, "pl-8")}
      />
    </div>
  );
}

/** A row of mutually exclusive choices (radio semantics, arrow keys move between them). */
export function Segmented<T extends string>({
  label,
  value,
  options,
  onChange,
  size = "md",
}: {
  label: string;
  value: T;
  options: { value: T; label: ReactNode; count?: number | null }[];
  onChange: (v: T) => void;
  size?: "sm" | "md";
}) {
  const name = useId();
  return (
    <fieldset className="min-w-0">
      <legend className="sr-only">{label}</legend>
      {/* A grid on phones (no hidden choices), one row from `sm` up. */}
      <div
        className={cn(
          "grid gap-1 rounded-lg bg-slate-100 p-1 sm:inline-flex sm:max-w-full",
          options.length === 4 ? "grid-cols-2" : options.length === 2 ? "grid-cols-2" : "grid-cols-3",
        )}
      >
        {options.map((o) => (
          <label
            key={o.value}
            className={cn(
              "relative flex shrink-0 cursor-pointer items-center justify-center gap-1.5 rounded-md font-medium transition-colors has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-indigo-600",
              size === "sm" ? "px-2 py-1 text-xs" : "px-3 py-1.5 text-sm",
              value === o.value ? "bg-white text-slate-900 shadow-sm" : "text-slate-600 hover:text-slate-900",
            )}
          >
            <input
              type="radio"
              name={name}
              value={o.value}
              checked={value === o.value}
              onChange={() => onChange(o.value)}
              className="sr-only"
            />
            {o.label}
            {o.count != null && <span className="tabular-nums text-slate-600">{fmt(o.count)}</span>}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      className="h-2.5 w-full overflow-hidden rounded-full bg-slate-200"
    >
      <div
        className="h-full rounded-full bg-indigo-600 transition-[width] duration-300"
        style={{ width: `${pct}%` }}
      />
    </div>
  );
}

export function SearchIcon({ className }: { className?: string }) {
  return (
    <svg className={className} viewBox="0 0 20 20" fill="currentColor" aria-hidden="true">
      <path
        fillRule="evenodd"
        d="M9 3.5a5.5 5.5 0 100 11 5.5 5.5 0 000-11zM2 9a7 7 0 1112.45 4.39l3.08 3.08a.75.75 0 11-1.06 1.06l-3.08-3.08A7 7 0 012 9z"
        clipRule="evenodd"
      />
    </svg>
  );
}

/** A 24px outline icon (the Heroicons style the console uses). */
function OutlineIcon({ className, strokeWidth, d }: { className: string; strokeWidth: string; d: string }) {
  return (
    <svg
      className={className}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={strokeWidth}
      aria-hidden="true"
    >
      <path strokeLinecap="round" strokeLinejoin="round" d={d} />
    </svg>
  );
}

const INBOX =
  "M2.25 13.5h3.86a2.25 2.25 0 012.01 1.24l.26.52a2.25 2.25 0 002.01 1.24h3.24a2.25 2.25 0 002.01-1.24l.26-.52a2.25 2.25 0 012.01-1.24h3.86M2.25 13.5V18a2.25 2.25 0 002.25 2.25h15A2.25 2.25 0 0021.75 18v-4.5M2.25 13.5l2.5-7.5A2.25 2.25 0 016.88 4.5h10.24a2.25 2.25 0 012.13 1.5l2.5 7.5";
const MEGAPHONE =
  "M10.34 15.84c-.69-.05-1.39-.08-2.09-.08H7.5a4.5 4.5 0 010-9h.75c.7 0 1.4-.03 2.09-.08m0 9.16c.24.96.56 1.9.95 2.79.24.55.03 1.2-.5 1.5l-.66.38a1.13 1.13 0 01-1.54-.43 20.85 20.85 0 01-1.44-4.28m3.19.04a23.85 23.85 0 008.84 2.53m-8.84-11.73a23.85 23.85 0 008.84-2.53m0 0a23.9 23.9 0 01.99 7.86c0 2.76-.47 5.4-1.32 7.86m.33-15.72c.43 1.35.75 2.74.96 4.18a1.5 1.5 0 010 3.36 24.2 24.2 0 01-.96 4.18";

export function InboxIcon({ className = "size-5" }: { className?: string }) {
  return <OutlineIcon className={className} strokeWidth="1.5" d={INBOX} />;
}

export function MegaphoneIcon({ className = "size-5" }: { className?: string }) {
  return <OutlineIcon className={className} strokeWidth="1.6" d={MEGAPHONE} />;
}
