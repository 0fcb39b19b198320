"use client";

import { Button } from "@/components/admin/ui";

/** Shown when a console page fails on the server (most often: Redis is unreachable). */
export default function AdminError({ reset }: { error: Error; reset: () => void }) {
  return (
    <main className="mx-auto flex min-h-dvh max-w-md flex-col items-center justify-center px-4 text-center">
      <h1 className="text-lg font-semibold text-slate-900">The admin console is unavailable</h1>
      <p className="mt-2 text-sm text-slate-600">
        Herald could not load this page, usually because Redis is not answering. Try again in a moment.
      </p>
      <Button className="mt-6" onClick={reset}>
        Try again
      </Button>
    </main>
  );
}
