"use client";

import { type ReactNode, useEffect, useId, useRef } from "react";
import { Alert, Button } from "./ui";

/**
 * A modal built on <dialog>: the browser traps focus, Escape closes it, and focus returns
 * to the button that opened it.
 */
export function Dialog({
  open,
  onClose,
  title,
  children,
  footer,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
  footer: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-2xl border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40 backdrop:backdrop-blur-[1px] dark:backdrop:bg-black/60"
    >
      {open && (
        <div className="p-5 sm:p-6">
          <h2 id={titleId} className="text-base font-semibold text-slate-900">
            {title}
          </h2>
          <div className="mt-3 text-sm text-slate-600">{children}</div>
          <div className="mt-6 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">{footer}</div>
        </div>
      )}
    </dialog>
  );
}

/**
 * "Are you sure?" for one destructive action: Keep closes, the danger button runs it (and
 * says it is working); the action's error shows inside.
 */
export function ConfirmDialog({
  open,
  onClose,
  title,
  confirm,
  working,
  busy,
  error,
  onConfirm,
  children,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  /** The danger button's label, and the label while it runs. */
  confirm: string;
  working: string;
  busy: boolean;
  error: Error | null;
  onConfirm: () => void;
  children: ReactNode;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={title}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={busy}>
            Keep
          </Button>
          <Button variant="danger" disabled={busy} onClick={onConfirm}>
            {busy ? working : confirm}
          </Button>
        </>
      }
    >
      {children}
      {error && (
        <div className="mt-3">
          <Alert>{error.message}</Alert>
        </div>
      )}
    </Dialog>
  );
}
