"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import type { ReactNode } from "react";
import { SIGN_IN_PATH } from "./api";
import { AdminSocketProvider, useLiveStatus } from "./socket";
import { Button, cn } from "./ui";

const NAV = [
  { href: "/admin", label: "Dashboard", match: (p: string) => p === "/admin" },
  { href: "/admin/broadcasts/new", label: "Compose", match: (p: string) => p === "/admin/broadcasts/new" },
  {
    href: "/admin/broadcasts",
    label: "History",
    match: (p: string) => p.startsWith("/admin/broadcasts") && p !== "/admin/broadcasts/new",
  },
  { href: "/admin/sessions", label: "Sessions", match: (p: string) => p.startsWith("/admin/sessions") },
  { href: "/admin/audit", label: "Audit", match: (p: string) => p.startsWith("/admin/audit") },
  { href: "/admin/settings", label: "Settings", match: (p: string) => p.startsWith("/admin/settings") },
];

export function Logo() {
  return (
    <span className="flex items-center gap-2">
      <span className="flex size-7 items-center justify-center rounded-lg bg-indigo-600 text-white shadow-sm">
        <svg
          viewBox="0 0 24 24"
          className="size-4"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          aria-hidden="true"
        >
          <path
            strokeLinecap="round"
            strokeLinejoin="round"
            d="M3 11l16-7v16L3 13v-2zm4 2.5V18a2 2 0 002 2h1"
          />
        </svg>
      </span>
      <span className="text-base font-semibold tracking-tight text-slate-900">Herald</span>
    </span>
  );
}

function LiveIndicator() {
  const status = useLiveStatus();
  const label = status === "live" ? "Live" : status === "connecting" ? "Connecting" : "Offline";
  return (
    <span
      className="hidden items-center gap-1.5 text-xs font-medium text-slate-500 sm:inline-flex"
      title={status === "live" ? "Receiving live updates" : "Live updates paused; pages still refresh"}
    >
      <span
        aria-hidden="true"
        className={cn(
          "size-2 rounded-full",
          status === "live" && "bg-emerald-500",
          status === "connecting" && "bg-amber-400",
          status === "offline" && "bg-slate-300",
        )}
      />
      {label}
    </span>
  );
}

/** The console's frame: top bar with navigation, live indicator and sign-out; a centered page. */
export function AdminShell({ email, children }: { email: string; children: ReactNode }) {
  const pathname = usePathname() ?? "/admin";
  const out = useMutation({
    mutationFn: () => signOut({ redirect: false }),
    onSettled: () => window.location.assign(SIGN_IN_PATH),
  });
  const nav = (
    <ul className="flex gap-0.5 sm:gap-1">
      {NAV.map((item) => {
        const active = item.match(pathname);
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              aria-current={active ? "page" : undefined}
              className={cn(
                "block whitespace-nowrap rounded-md px-2 py-1.5 text-sm font-medium transition-colors sm:px-3",
                active
                  ? "bg-indigo-50 text-indigo-700"
                  : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
              )}
            >
              {item.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
  return (
    <AdminSocketProvider>
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/90 backdrop-blur">
        <div className="mx-auto flex h-14 max-w-6xl items-center gap-4 px-4 sm:px-6">
          <Link
            href="/admin"
            className="shrink-0 rounded focus-visible:outline-2 focus-visible:outline-indigo-600"
          >
            <Logo />
          </Link>
          <nav aria-label="Main" className="hidden md:block">
            {nav}
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <LiveIndicator />
            <span className="hidden max-w-48 truncate text-sm text-slate-600 lg:inline" title={email}>
              {email}
            </span>
            <Button variant="secondary" size="sm" onClick={() => out.mutate()} disabled={out.isPending}>
              Sign out
            </Button>
          </div>
        </div>
        <nav aria-label="Main" className="border-t border-slate-100 px-2 py-1.5 md:hidden">
          <div className="overflow-x-auto">{nav}</div>
        </nav>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-6 sm:px-6 sm:py-8">
        {children}
      </main>
    </AdminSocketProvider>
  );
}
