import { LEVEL_LABEL, type Level } from "@/lib/schemas/message";

/** How each broadcast level looks; full class names so Tailwind finds them. */
export const LEVEL_STYLE: Record<
  Level,
  { label: string; card: string; stripe: string; icon: string; kicker: string; ring: string }
> = {
  info: {
    label: LEVEL_LABEL.info,
    card: "border-sky-200 bg-sky-50/80",
    stripe: "bg-sky-500",
    icon: "bg-sky-100 text-sky-700",
    kicker: "text-sky-700",
    ring: "ring-sky-400",
  },
  success: {
    label: LEVEL_LABEL.success,
    card: "border-emerald-200 bg-emerald-50/80",
    stripe: "bg-emerald-500",
    icon: "bg-emerald-100 text-emerald-700",
    kicker: "text-emerald-700",
    ring: "ring-emerald-400",
  },
  warning: {
    label: LEVEL_LABEL.warning,
    card: "border-amber-200 bg-amber-50/80",
    stripe: "bg-amber-500",
    icon: "bg-amber-100 text-amber-700",
    kicker: "text-amber-700",
    ring: "ring-amber-400",
  },
  error: {
    label: LEVEL_LABEL.error,
    card: "border-rose-200 bg-rose-50/80",
    stripe: "bg-rose-500",
    icon: "bg-rose-100 text-rose-700",
    kicker: "text-rose-700",
    ring: "ring-rose-400",
  },
};
