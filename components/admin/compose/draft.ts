"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { MAX_TARGET_IDS, type Target } from "@/lib/schemas/broadcast";
import { LEVELS, type Level } from "@/lib/schemas/message";
import { NO_SCHEDULE, type Schedule } from "./schedule-fields";

/** What the compose form holds: kept in this browser until it is sent or discarded. */
export interface Draft {
  title: string;
  message: string;
  level: Level;
  targetType: Target["type"];
  chosen: string[];
  schedule: Schedule;
}

const KEY = "herald:compose-draft";
const TARGET_TYPES: readonly Target["type"][] = ["all", "online", "sessions"];

export const EMPTY_DRAFT: Draft = {
  title: "",
  message: "",
  level: "info",
  targetType: "all",
  chosen: [],
  schedule: NO_SCHEDULE,
};

/** Text worth keeping: leaving with it warns, and it comes back on the next visit. */
export const hasText = (d: Draft) => d.title.trim() !== "" || d.message.trim() !== "";

/** A stored draft, checked field by field (it is only ever ours, but may come from an older version). */
function readDraft(): (Draft & { savedAt: string }) | null {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? "null") as Partial<
      Draft & { savedAt: string }
    > | null;
    if (!raw || typeof raw !== "object") return null;
    const str = (v: unknown) => (typeof v === "string" ? v : "");
    const schedule = { ...NO_SCHEDULE, ...(typeof raw.schedule === "object" ? raw.schedule : {}) };
    return {
      title: str(raw.title),
      message: str(raw.message),
      level: LEVELS.includes(raw.level as Level) ? (raw.level as Level) : "info",
      targetType: TARGET_TYPES.includes(raw.targetType as Target["type"])
        ? (raw.targetType as Target["type"])
        : "all",
      chosen: Array.isArray(raw.chosen)
        ? raw.chosen.filter((x): x is string => typeof x === "string").slice(0, MAX_TARGET_IDS)
        : [],
      schedule,
      savedAt: str(raw.savedAt),
    };
  } catch {
    return null;
  }
}

/**
 * The compose form's state, saved to localStorage as it changes and restored on the next visit
 * (sessions preselected by the link that opened the page win over the draft's). While it holds
 * text, closing or reloading the tab asks first, and so does following a link out of the page.
 */
export function useComposeDraft(initialSessions: string[]) {
  const fresh: Draft =
    initialSessions.length > 0
      ? { ...EMPTY_DRAFT, targetType: "sessions", chosen: initialSessions }
      : EMPTY_DRAFT;
  const [draft, setDraft] = useState<Draft>(fresh);
  const [restoredAt, setRestoredAt] = useState<string | null>(null);
  const loaded = useRef(false);
  const [sent, setSent] = useState(false);

  // After hydration (the server cannot see localStorage): bring back the saved draft.
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, on mount
  useEffect(() => {
    const saved = readDraft();
    loaded.current = true;
    if (!saved || !hasText(saved)) return;
    const { savedAt, ...rest } = saved;
    setDraft(
      initialSessions.length > 0 ? { ...rest, targetType: "sessions", chosen: initialSessions } : rest,
    );
    setRestoredAt(savedAt || null);
  }, []);

  useEffect(() => {
    if (!loaded.current || sent) return;
    try {
      if (hasText(draft))
        localStorage.setItem(KEY, JSON.stringify({ ...draft, savedAt: new Date().toISOString() }));
      else localStorage.removeItem(KEY);
    } catch {
      // storage refused (private mode, full): the form still works, the draft just does not outlive the page
    }
  }, [draft, sent]);

  const dirty = hasText(draft) && !sent;
  useLeaveWarning(dirty);

  const update = useCallback((patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch })), []);
  const discard = useCallback(() => {
    setDraft(EMPTY_DRAFT);
    setRestoredAt(null);
  }, []);
  /** The broadcast went out: forget the saved draft (the page is about to be left). */
  const markSent = useCallback(() => {
    setSent(true);
    try {
      localStorage.removeItem(KEY);
    } catch {
      // nothing saved then
    }
  }, []);
  return { draft, update, discard, markSent, restoredAt, dirty };
}

export const LEAVE_QUESTION =
  "Leave this page? The broadcast is not sent. Its draft is kept in this browser for when you come back.";

/**
 * While `active`: the browser's own prompt before the tab is closed or reloaded, and a
 * confirmation before a link takes the admin to another page of the console (Next's client
 * navigation has no leave event, so clicks on links are caught on their way down).
 */
function useLeaveWarning(active: boolean) {
  useEffect(() => {
    if (!active) return;
    const beforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      // Older browsers show the prompt only when returnValue is set.
      e.returnValue = "";
    };
    const onClick = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const a = (e.target as Element | null)?.closest?.("a[href]");
      if (!(a instanceof HTMLAnchorElement) || a.target === "_blank" || a.hasAttribute("download")) return;
      const to = new URL(a.href, window.location.href);
      if (to.origin !== window.location.origin || to.pathname === window.location.pathname) return;
      if (!window.confirm(LEAVE_QUESTION)) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    window.addEventListener("beforeunload", beforeUnload);
    document.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", beforeUnload);
      document.removeEventListener("click", onClick, true);
    };
  }, [active]);
}
