import { z } from "zod";
import { ScanCursorSchema } from "./cursor";
import { LevelSchema } from "./message";

export const MAX_MESSAGE_LENGTH = 4000;
export const MAX_TITLE_LENGTH = 200;
export const MAX_TARGET_IDS = 10_000;

/** Session ids as accepted from outside: non-empty, no ':' (a ':' would name another key), bounded. */
export const SessionIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^:\s]+$/, "a session id has no ':' and no white space");

/** Broadcast ids: ours are UUIDs; a caller may choose one (idempotency key) within this alphabet. */
export const BroadcastIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, '_' and '-' only");

export const TargetSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("all") }).strict(),
  z.object({ type: z.literal("online") }).strict(),
  z
    .object({
      type: z.literal("sessions"),
      ids: z.array(SessionIdSchema).min(1, "name at least one session").max(MAX_TARGET_IDS),
    })
    .strict(),
]);
export type Target = z.infer<typeof TargetSchema>;

/** How far ahead a broadcast may be scheduled. */
export const MAX_SCHEDULE_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

/** An ISO 8601 time with its offset (`Z` or `+02:00`), normalized to UTC. */
const IsoTime = z.iso
  .datetime({ offset: true, error: "an ISO 8601 time with its offset, e.g. 2026-12-24T18:00:00Z" })
  .transform((s) => new Date(s).toISOString());

export const BroadcastInputSchema = z
  .object({
    message: z.string().trim().min(1, "message is required").max(MAX_MESSAGE_LENGTH),
    title: z.string().trim().max(MAX_TITLE_LENGTH).optional(),
    level: LevelSchema.default("info"),
    target: TargetSchema.default({ type: "all" }),
    /** Optional idempotency key: sending the same id again stores nothing twice. */
    id: BroadcastIdSchema.optional(),
    /** Send at this time (in the future, at most 30 days ahead) instead of now. */
    sendAt: IsoTime.optional(),
    /** Retract it by itself at this time (after it is sent). */
    expiresAt: IsoTime.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const now = Date.now();
    const sendAt = b.sendAt ? Date.parse(b.sendAt) : now;
    if (b.sendAt && sendAt <= now)
      ctx.addIssue({ code: "custom", path: ["sendAt"], message: "sendAt must be in the future" });
    if (b.sendAt && sendAt > now + MAX_SCHEDULE_DAYS * DAY_MS)
      ctx.addIssue({
        code: "custom",
        path: ["sendAt"],
        message: `sendAt is at most ${MAX_SCHEDULE_DAYS} days ahead`,
      });
    if (b.expiresAt && Date.parse(b.expiresAt) <= sendAt)
      ctx.addIssue({
        code: "custom",
        path: ["expiresAt"],
        message: b.sendAt ? "expiresAt must be after sendAt" : "expiresAt must be in the future",
      });
  });
export type BroadcastInput = z.input<typeof BroadcastInputSchema>;
export type BroadcastRequest = z.output<typeof BroadcastInputSchema>;

/** The legacy endpoint's body: {message, title?, level?}. Extra fields are ignored, as Django did. */
export const LegacyBroadcastInputSchema = z.object({
  message: z.string().trim().min(1, "message is required").max(MAX_MESSAGE_LENGTH),
  title: z.string().trim().max(MAX_TITLE_LENGTH).optional(),
  level: LevelSchema.default("info"),
});

/**
 * Where a preview's count of `all` stopped (it answers within a time budget): the counts so
 * far, the SCAN cursor and the Redis process it belongs to, written
 * `<cursor>.<total>.<withMessages>.<runId>`. The client sends it back as is to go on.
 */
export interface PreviewResume {
  cursor: string;
  total: number;
  withMessages: number;
  runId: string;
}
const PREVIEW_RESUME = /^(\d{1,24})\.(\d{1,12})\.(\d{1,12})\.([0-9a-f]{1,64})$/;
export const encodePreviewResume = (r: PreviewResume) =>
  `${r.cursor}.${r.total}.${r.withMessages}.${r.runId}`;

export const PreviewInputSchema = z
  .object({
    target: TargetSchema.default({ type: "all" }),
    resume: z
      .string()
      .max(120)
      .regex(PREVIEW_RESUME, "resume is the counting.resume of an earlier preview, as it was")
      .transform((s): PreviewResume => {
        const [, cursor, total, withMessages, runId] = PREVIEW_RESUME.exec(s)!;
        return { cursor: cursor!, total: Number(total), withMessages: Number(withMessages), runId: runId! };
      })
      .optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.resume && b.target.type !== "all")
      ctx.addIssue({ code: "custom", path: ["resume"], message: "resume goes with the target all only" });
  });

export const BROADCAST_STATUSES = [
  "scheduled",
  "queued",
  "running",
  "interrupted",
  "completed",
  "partial",
  "failed",
  "cancelled",
  "retracted",
] as const;
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number];

/** Statuses after which a run is over (a re-send of the same id may run it again). */
export const FINISHED_STATUSES: readonly BroadcastStatus[] = [
  "completed",
  "partial",
  "failed",
  "cancelled",
  "retracted",
];

/** `?wait=<seconds>` on POST /api/broadcasts: answer with the summary if the run ends by then. */
export const MAX_WAIT_SECONDS = 120;
export const SendQuerySchema = z
  .object({
    wait: z.coerce
      .number({ error: "wait is a number of seconds" })
      .min(0)
      .max(MAX_WAIT_SECONDS, `wait is at most ${MAX_WAIT_SECONDS} seconds`)
      .optional(),
  })
  .strict();

export const DELIVERY_STATUSES = ["stored", "duplicate", "failed", "delivered", "seen"] as const;
export const DeliveryStatusSchema = z.enum(DELIVERY_STATUSES);
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

/**
 * A status filter means "reached that stage", as the broadcast's counters count: `stored` lists
 * every copy written, `delivered` every one delivered, seen or not. The statuses a filter keeps,
 * in the order records move. The rarer statuses (duplicate, failed, delivered, seen) each have a
 * set of ids, read in that order (a record that moves during a walk is met again later, never
 * skipped); a plain stored record is in no set (nearly every record is one), so the `stored`
 * filter walks the records themselves.
 */
export const DELIVERY_FILTER_SETS: Record<DeliveryStatus, readonly DeliveryStatus[]> = {
  stored: ["stored", "delivered", "seen"],
  duplicate: ["duplicate"],
  failed: ["failed"],
  delivered: ["delivered", "seen"],
  seen: ["seen"],
};

export interface BroadcastSummary {
  id: string;
  status: BroadcastStatus;
  targeted: number;
  stored: number;
  created: number;
  duplicates: number;
  failed: number;
}

export interface Broadcast extends BroadcastSummary {
  title?: string;
  message: string;
  level: z.infer<typeof LevelSchema>;
  /** null when the stored target cannot be read back: such a broadcast is never run. */
  target: Target | null;
  author: string;
  delivered: number;
  seen: number;
  /** Sessions counted before the fan-out started (progress denominator); may differ slightly from targeted. */
  estimatedTotal: number;
  /** Sessions examined so far (targeted plus skipped), for progress. */
  processed: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Why the run failed as a whole (not a per-session reason), when it did. */
  error?: string;
  /** The process (host:pid) that runs or last ran it. */
  runner?: string;
  /** When it is (or was) to be sent, if it was scheduled. */
  sendAt?: string;
  /** When it retracts itself. */
  expiresAt?: string;
  /** Set once it is cancelled: when and by whom. */
  cancelledAt?: string;
  cancelledBy?: string;
  /** Set once it is retracted (by hand or at expiresAt): when, by whom, how many copies were removed. */
  retractedAt?: string;
  retractedBy?: string;
  removed?: number;
  /** The retraction's own progress: it walks every session, resumably. */
  retraction?: "running" | "done";
}

export interface DeliveryRecord {
  sessionId: string;
  status: DeliveryStatus;
  created?: boolean;
  reason?: string;
  at: string;
  deliveredAt?: string;
  seenAt?: string;
}

/** A page offset from a previous answer: digits, within a safe integer (a huge one is a 400, not a 500). */
const OffsetCursor = z
  .string()
  .regex(/^\d{1,15}$/, "cursor is a number from a previous page")
  .default("0");

export const DeliveriesQuerySchema = z.object({
  status: DeliveryStatusSchema.optional(),
  cursor: ScanCursorSchema,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  q: z.string().max(200).optional(),
});

export const ListBroadcastsQuerySchema = z.object({
  cursor: OffsetCursor,
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
