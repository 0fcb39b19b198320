"use client";

import { useEffect, useState } from "react";
import { Button } from "./ui";

/**
 * Put `text` on the clipboard. navigator.clipboard exists only in secure contexts (https,
 * localhost); the console may be opened over plain http on a LAN address, where the older
 * execCommand route still works.
 */
async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // refused (permissions): try the older route
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  try {
    return document.execCommand("copy");
  } finally {
    area.remove();
  }
}

/** A small button that copies `text` and says so ("Copied") for a moment, to screen readers too. */
export function CopyButton({
  text,
  label,
  what,
}: {
  /** What to copy, or how to work it out at the click (a URL needs the window). */
  text: string | (() => string);
  label: string;
  what: string;
}) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const t = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <Button
      variant="secondary"
      size="sm"
      aria-label={state === "idle" ? `Copy ${what}` : undefined}
      onClick={async () =>
        setState((await copyText(typeof text === "string" ? text : text())) ? "copied" : "failed")
      }
      data-testid={`copy-${what.replace(/\s+/g, "-")}`}
    >
      <span aria-live="polite">
        {state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : label}
      </span>
    </Button>
  );
}
