"use client";

import { useQuery } from "@tanstack/react-query";
import { type KeyboardEvent, useId, useState } from "react";
import { MAX_TARGET_IDS, SessionIdSchema } from "@/lib/schemas/broadcast";
import { fetchers, qk } from "../api";
import { fmt } from "../format";
import { Button, cn, inputClass, SearchIcon, SessionStateBadges, Spinner, useDebounced } from "../ui";

const RESULTS = 8;

/**
 * Choose sessions: search by id (GET /api/sessions?q=), pick with mouse or keyboard, or
 * paste ids (separated by spaces, commas or new lines).
 */
export function SessionPicker({
  chosen,
  onChange,
  error,
  errorId,
}: {
  chosen: string[];
  onChange: (ids: string[]) => void;
  error?: string;
  errorId?: string;
}) {
  const [text, setText] = useState("");
  const [open, setOpen] = useState(false);
  // Nothing is highlighted until the arrow keys move: Enter never picks what was not chosen.
  const [active, setActive] = useState(-1);
  const q = useDebounced(text.trim(), 250);
  const listId = useId();
  const inputId = useId();
  const results = useQuery({
    queryKey: qk.sessions("all", q, "0", RESULTS),
    queryFn: () => fetchers.sessions({ filter: "all", q, cursor: "0", limit: RESULTS }),
    enabled: open,
    staleTime: 10_000,
  });
  const chosenSet = new Set(chosen);
  const found = results.data?.sessions.slice(0, RESULTS) ?? [];
  const typed = text.trim();
  // An exact id that is not among the first matches: looked up, offered only if it is a session.
  const settled = !results.isFetching && q === typed;
  const lookup =
    settled && typed !== "" && SessionIdSchema.safeParse(typed).success && !found.some((s) => s.id === typed);
  const exact = useQuery({
    queryKey: qk.preview({ type: "sessions", ids: [typed] }),
    queryFn: () => fetchers.preview({ type: "sessions", ids: [typed] }),
    enabled: open && lookup,
    staleTime: 10_000,
  });
  const exactInfo = lookup ? exact.data?.sample.find((s) => s.id === typed) : undefined;
  const options = [...found, ...(exactInfo ? [exactInfo] : [])].map((info) => ({
    key: info.id,
    id: info.id,
    info,
  }));
  const noSuchId = lookup && exact.data !== undefined && !exactInfo;

  const toggle = (id: string) => {
    if (chosenSet.has(id)) onChange(chosen.filter((c) => c !== id));
    else if (chosen.length < MAX_TARGET_IDS) onChange([...chosen, id]);
  };

  const addMany = (raw: string) => {
    const ids = raw
      .split(/[\s,;]+/)
      .map((s) => s.trim())
      .filter((s) => s && SessionIdSchema.safeParse(s).success);
    const next = [...new Set([...chosen, ...ids])].slice(0, MAX_TARGET_IDS);
    onChange(next);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, options.length - 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, -1));
    } else if (e.key === "Enter") {
      e.preventDefault();
      // The highlighted option, or the session whose id was typed in full; never a guess.
      const opt = options[active] ?? options.find((o) => o.id === typed);
      if (opt) toggle(opt.id);
    } else if (e.key === "Escape") {
      setOpen(false);
    }
  };

  const activeOpt = open ? options[active] : undefined;

  return (
    <div>
      <label htmlFor={inputId} className="mb-1.5 block text-sm font-medium text-slate-800">
        Find sessions
      </label>
      <div className="relative">
        <SearchIcon className="pointer-events-none absolute left-2.5 top-2.5 size-4 text-slate-400" />
        <input
          id={inputId}
          role="combobox"
          aria-expanded={open}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={activeOpt ? `${listId}-${options.indexOf(activeOpt)}` : undefined}
          aria-describedby={error ? errorId : `${inputId}-hint`}
          aria-invalid={error ? true : undefined}
          value={text}
          placeholder="Search by session id, or paste ids"
          onChange={(e) => {
            setText(e.target.value);
            setOpen(true);
            setActive(-1);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          onKeyDown={onKeyDown}
          onPaste={(e) => {
            const raw = e.clipboardData.getData("text");
            if (/[\s,;]/.test(raw.trim())) {
              e.preventDefault();
              addMany(raw);
            }
          }}
          className={cn(inputClass, "pl-8")}
          autoComplete="off"
          spellCheck={false}
        />
        {open && (
          <div
            id={listId}
            role="listbox"
            aria-label="Matching sessions"
            aria-multiselectable="true"
            className="absolute z-20 mt-1 max-h-72 w-full overflow-auto rounded-lg border border-slate-200 bg-white py-1 text-sm shadow-lg"
          >
            {results.isPending && (
              <p className="flex items-center gap-2 px-3 py-2 text-slate-500">
                <Spinner className="size-3.5" /> Searching…
              </p>
            )}
            {results.isError && (
              <p className="px-3 py-2 text-rose-600">Search failed: {results.error.message}</p>
            )}
            {!results.isPending && options.length === 0 && !lookup && (
              <p className="px-3 py-2 text-slate-600">
                {q ? `No session id contains “${q}”.` : "No sessions yet."}
              </p>
            )}
            {noSuchId && (
              <p className="px-3 py-2 text-slate-600" data-testid="no-such-session">
                No session has the id “{typed}”.
              </p>
            )}
            {options.map((o, i) => {
              const selected = chosenSet.has(o.id);
              return (
                // Keyboard selection happens on the combobox input (aria-activedescendant pattern).
                // biome-ignore lint/a11y/useKeyWithClickEvents: the input handles the keys
                <div
                  key={o.key}
                  id={`${listId}-${i}`}
                  role="option"
                  tabIndex={-1}
                  aria-selected={selected}
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => toggle(o.id)}
                  onMouseEnter={() => setActive(i)}
                  className={cn(
                    "flex cursor-pointer items-center gap-2 px-3 py-1.5",
                    i === active ? "bg-indigo-50" : "hover:bg-slate-50",
                  )}
                >
                  <span
                    aria-hidden="true"
                    className={cn(
                      "flex size-4 shrink-0 items-center justify-center rounded border text-[10px]",
                      selected ? "border-indigo-600 bg-indigo-600 text-white" : "border-slate-300 bg-white",
                    )}
                  >
                    {selected ? "✓" : ""}
                  </span>
                  <span className="min-w-0 flex-1 truncate font-mono text-xs text-slate-800">{o.id}</span>
                  <span className="shrink-0">
                    <SessionStateBadges {...o.info} />
                  </span>
                </div>
              );
            })}
          </div>
        )}
      </div>
      {error ? (
        <p id={errorId} className="mt-1.5 text-xs font-medium text-rose-600">
          {error}
        </p>
      ) : (
        <p id={`${inputId}-hint`} className="mt-1.5 text-xs text-slate-500">
          ↑/↓ to move, Enter to pick. Up to {fmt(MAX_TARGET_IDS)} sessions.
        </p>
      )}
      {chosen.length > 0 && (
        <div className="mt-3">
          <div className="mb-1.5 flex items-center justify-between">
            <p className="text-xs font-medium text-slate-600">{fmt(chosen.length)} chosen</p>
            <Button variant="ghost" size="sm" onClick={() => onChange([])}>
              Clear all
            </Button>
          </div>
          <ul className="flex max-h-40 flex-wrap gap-1.5 overflow-auto" aria-label="Chosen sessions">
            {chosen.slice(0, 200).map((id) => (
              <li
                key={id}
                className="inline-flex max-w-full items-center gap-1 rounded-md bg-indigo-50 py-0.5 pl-2 pr-0.5 text-xs text-indigo-800 ring-1 ring-inset ring-indigo-200"
              >
                <span className="truncate font-mono">{id}</span>
                <button
                  type="button"
                  onClick={() => toggle(id)}
                  aria-label={`Remove ${id}`}
                  className="rounded px-1 text-indigo-500 hover:bg-indigo-100 hover:text-indigo-800 focus-visible:outline-2 focus-visible:outline-indigo-600"
                >
                  ×
                </button>
              </li>
            ))}
            {chosen.length > 200 && (
              <li className="text-xs text-slate-500">and {fmt(chosen.length - 200)} more</li>
            )}
          </ul>
        </div>
      )}
    </div>
  );
}
