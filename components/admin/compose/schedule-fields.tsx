"use client";

import { MAX_SCHEDULE_DAYS } from "@/lib/schemas/broadcast";
import { Field, inputClass, Segmented } from "../ui";

export interface Schedule {
  when: "now" | "at";
  /** `datetime-local` value, in the admin's own time zone. */
  sendAtLocal: string;
  expires: "never" | "after";
  /** Hours after it is sent. */
  expiresAfterHours: string;
}

export const NO_SCHEDULE: Schedule = {
  when: "now",
  sendAtLocal: "",
  expires: "never",
  expiresAfterHours: "2",
};

/**
 * The API's `sendAt` / `expiresAt` (UTC) from what the admin chose in local time, or the field's
 * error. `new Date("YYYY-MM-DDTHH:mm")` reads a datetime-local value in the browser's zone.
 */
export function scheduleToInput(s: Schedule): {
  sendAt?: string;
  expiresAt?: string;
  errors: Partial<Record<"sendAt" | "expiresAt", string>>;
} {
  const errors: Partial<Record<"sendAt" | "expiresAt", string>> = {};
  let sendAt: string | undefined;
  let from = Date.now();
  if (s.when === "at") {
    const t = new Date(s.sendAtLocal).getTime();
    if (!s.sendAtLocal || Number.isNaN(t)) errors.sendAt = "Choose a date and time.";
    else if (t <= Date.now()) errors.sendAt = "Choose a time in the future.";
    else if (t > Date.now() + MAX_SCHEDULE_DAYS * 86_400_000)
      errors.sendAt = `At most ${MAX_SCHEDULE_DAYS} days ahead.`;
    else {
      sendAt = new Date(t).toISOString();
      from = t;
    }
  }
  let expiresAt: string | undefined;
  if (s.expires === "after") {
    const h = Number(s.expiresAfterHours);
    if (!Number.isFinite(h) || h <= 0 || h > 24 * 90) errors.expiresAt = "A number of hours, more than 0.";
    else expiresAt = new Date(from + h * 3_600_000).toISOString();
  }
  return { sendAt, expiresAt, errors };
}

/** "Send now / send at …" and "expires: never / after N hours", in the admin's local time. */
export function ScheduleFields({
  value,
  onChange,
  errors,
}: {
  value: Schedule;
  onChange: (s: Schedule) => void;
  errors: Partial<Record<"sendAt" | "expiresAt", string>>;
}) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <div className="grid gap-2">
        <Segmented
          label="When to send"
          value={value.when}
          onChange={(when) => onChange({ ...value, when })}
          options={[
            { value: "now", label: "Send now" },
            { value: "at", label: "Send at…" },
          ]}
        />
        {value.when === "at" && (
          <Field
            label="Send at"
            hint={`Your local time (${zone}). The target is resolved when it is sent.`}
            error={errors.sendAt}
          >
            {(p) => (
              <input
                {...p}
                type="datetime-local"
                className={inputClass}
                value={value.sendAtLocal}
                onChange={(e) => onChange({ ...value, sendAtLocal: e.target.value })}
                data-testid="send-at"
              />
            )}
          </Field>
        )}
      </div>
      <div className="grid gap-2">
        <Segmented
          label="Expiry"
          value={value.expires}
          onChange={(expires) => onChange({ ...value, expires })}
          options={[
            { value: "never", label: "Keep it" },
            { value: "after", label: "Remove after…" },
          ]}
        />
        {value.expires === "after" && (
          <Field
            label="Hours after it is sent"
            hint="It is then retracted from every session by itself."
            error={errors.expiresAt}
          >
            {(p) => (
              <input
                {...p}
                type="number"
                min="0.1"
                step="0.5"
                inputMode="decimal"
                className={inputClass}
                value={value.expiresAfterHours}
                onChange={(e) => onChange({ ...value, expiresAfterHours: e.target.value })}
                data-testid="expires-after"
              />
            )}
          </Field>
        )}
      </div>
    </div>
  );
}
