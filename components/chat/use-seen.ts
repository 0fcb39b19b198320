"use client";

import { useCallback, useEffect, useRef } from "react";

/** Part of a message that must be on screen, and for how long, before it counts as seen. */
const VISIBLE_RATIO = 0.5;
const DWELL_MS = 400;

/**
 * Reports an id once its element has been on screen (at least half of it, for a moment) while
 * the page itself is visible: `document.visibilityState` rules out background tabs and locked
 * phones, the IntersectionObserver rules out messages scrolled out of view.
 * `observe(id, slot)` returns a stable ref callback for the element showing that message
 * (one per slot: the timeline bubble and the toast are observed separately).
 */
export function useSeen(onSeen: (id: string) => void) {
  const onSeenRef = useRef(onSeen);
  useEffect(() => {
    onSeenRef.current = onSeen;
  });
  const state = useRef<{
    io: IntersectionObserver | null;
    ids: Map<Element, string>;
    onScreen: Set<Element>;
    timers: Map<Element, number>;
    refs: Map<string, (el: Element | null) => void>;
  }>({ io: null, ids: new Map(), onScreen: new Set(), timers: new Map(), refs: new Map() });

  const arm = useCallback((el: Element) => {
    const s = state.current;
    if (s.timers.has(el) || document.visibilityState !== "visible") return;
    const timer = window.setTimeout(() => {
      s.timers.delete(el);
      const id = s.ids.get(el);
      if (id && s.onScreen.has(el) && document.visibilityState === "visible") onSeenRef.current(id);
    }, DWELL_MS);
    s.timers.set(el, timer);
  }, []);

  const disarm = useCallback((el: Element) => {
    const s = state.current;
    const t = s.timers.get(el);
    if (t !== undefined) window.clearTimeout(t);
    s.timers.delete(el);
  }, []);

  useEffect(() => {
    const s = state.current;
    const io = new IntersectionObserver(
      (changes) => {
        for (const c of changes) {
          if (c.isIntersecting && c.intersectionRatio >= VISIBLE_RATIO) {
            s.onScreen.add(c.target);
            arm(c.target);
          } else {
            s.onScreen.delete(c.target);
            disarm(c.target);
          }
        }
      },
      { threshold: [0, VISIBLE_RATIO, 1] },
    );
    s.io = io;
    for (const el of s.ids.keys()) io.observe(el);
    const onVisibility = () => {
      for (const el of s.onScreen) {
        if (document.visibilityState === "visible") arm(el);
        else disarm(el);
      }
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      document.removeEventListener("visibilitychange", onVisibility);
      io.disconnect();
      s.io = null;
      for (const t of s.timers.values()) window.clearTimeout(t);
      s.timers.clear();
      s.onScreen.clear();
    };
  }, [arm, disarm]);

  return useCallback(
    (id: string, slot = "message") => {
      const s = state.current;
      const refKey = `${slot}:${id}`;
      let ref = s.refs.get(refKey);
      if (!ref) {
        let current: Element | null = null;
        ref = (el: Element | null) => {
          if (current && current !== el) {
            s.io?.unobserve(current);
            s.ids.delete(current);
            s.onScreen.delete(current);
            disarm(current);
          }
          current = el;
          if (el) {
            s.ids.set(el, id);
            s.io?.observe(el);
          }
        };
        s.refs.set(refKey, ref);
      }
      return ref;
    },
    [disarm],
  );
}
