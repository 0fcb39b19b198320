import { describe, expect, it } from "vitest";
import {
  BroadcastIdSchema,
  BroadcastInputSchema,
  DeliveriesQuerySchema,
  LegacyBroadcastInputSchema,
  ListBroadcastsQuerySchema,
  MAX_MESSAGE_LENGTH,
  MAX_TARGET_IDS,
  MAX_TITLE_LENGTH,
  PreviewInputSchema,
  TargetSchema,
} from "./broadcast";

/** The distinct issue paths of a failed parse (what the API returns as `issues`). */
function issuePaths(
  schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[] }[] } } },
  v: unknown,
) {
  const r = schema.safeParse(v);
  expect(r.success).toBe(false);
  return [...new Set(r.error!.issues.map((i) => i.path.map(String).join(".")))];
}

describe("BroadcastInputSchema", () => {
  it("fills defaults: level info, target all", () => {
    expect(BroadcastInputSchema.parse({ message: "hi" })).toEqual({
      message: "hi",
      level: "info",
      target: { type: "all" },
    });
  });

  it("accepts every documented field", () => {
    const input = {
      message: "System maintenance in 5 minutes",
      title: "Maintenance Alert",
      level: "warning",
      target: { type: "sessions", ids: ["abc123", "def456"] },
      id: "maint-2026_11",
    };
    expect(BroadcastInputSchema.parse(input)).toEqual(input);
  });

  it("bounds the message to 1–4000 characters (after trimming)", () => {
    expect(MAX_MESSAGE_LENGTH).toBe(4000);
    expect(issuePaths(BroadcastInputSchema, { message: "" })).toEqual(["message"]);
    expect(issuePaths(BroadcastInputSchema, { message: "   \n\t" })).toEqual(["message"]);
    expect(issuePaths(BroadcastInputSchema, {})).toEqual(["message"]);
    expect(issuePaths(BroadcastInputSchema, { message: 42 })).toEqual(["message"]);
    expect(BroadcastInputSchema.parse({ message: "x" }).message).toBe("x");
    expect(BroadcastInputSchema.parse({ message: "x".repeat(4000) }).message).toHaveLength(4000);
    expect(issuePaths(BroadcastInputSchema, { message: "x".repeat(4001) })).toEqual(["message"]);
    // Surrounding white space is trimmed before the length check.
    expect(BroadcastInputSchema.parse({ message: `  ${"x".repeat(4000)}  ` }).message).toHaveLength(4000);
  });

  it("bounds the title to 200 characters", () => {
    expect(MAX_TITLE_LENGTH).toBe(200);
    expect(BroadcastInputSchema.parse({ message: "m", title: "t".repeat(200) }).title).toHaveLength(200);
    expect(issuePaths(BroadcastInputSchema, { message: "m", title: "t".repeat(201) })).toEqual(["title"]);
    expect(issuePaths(BroadcastInputSchema, { message: "m", title: 7 })).toEqual(["title"]);
  });

  it("accepts the four levels only", () => {
    for (const level of ["info", "success", "warning", "error"]) {
      expect(BroadcastInputSchema.parse({ message: "m", level }).level).toBe(level);
    }
    for (const level of ["critical", "INFO", "", null, 1]) {
      expect(issuePaths(BroadcastInputSchema, { message: "m", level })).toEqual(["level"]);
    }
  });

  it("accepts the three target shapes", () => {
    expect(BroadcastInputSchema.parse({ message: "m", target: { type: "all" } }).target).toEqual({
      type: "all",
    });
    expect(BroadcastInputSchema.parse({ message: "m", target: { type: "online" } }).target).toEqual({
      type: "online",
    });
    expect(
      BroadcastInputSchema.parse({ message: "m", target: { type: "sessions", ids: ["a"] } }).target,
    ).toEqual({
      type: "sessions",
      ids: ["a"],
    });
  });

  it("refuses malformed targets", () => {
    const bad: unknown[] = [
      "all",
      null,
      {},
      { type: "bogus" },
      { type: "sessions" },
      { type: "sessions", ids: [] },
      { type: "sessions", ids: "abc" },
      { type: "sessions", ids: [1] },
      { type: "all", ids: ["a"] },
      { type: "online", extra: true },
    ];
    for (const target of bad) {
      const paths = issuePaths(BroadcastInputSchema, { message: "m", target });
      expect(
        paths.every((p) => p.startsWith("target")),
        JSON.stringify(target),
      ).toBe(true);
    }
  });

  it("refuses session ids with ':' or white space, empty or over 200 characters", () => {
    for (const id of ["a:b", ":", "a b", "tab\tid", "", "x".repeat(201)]) {
      expect(
        issuePaths(BroadcastInputSchema, { message: "m", target: { type: "sessions", ids: ["ok", id] } }),
      ).toEqual(["target.ids.1"]);
    }
    expect(TargetSchema.parse({ type: "sessions", ids: ["x".repeat(200), "ünï-😀"] })).toBeTruthy();
  });

  it("accepts 10,000 ids and refuses 10,001", () => {
    expect(MAX_TARGET_IDS).toBe(10_000);
    const ids = Array.from({ length: 10_000 }, (_, i) => `s${i}`);
    expect(
      BroadcastInputSchema.parse({ message: "m", target: { type: "sessions", ids } }).target,
    ).toMatchObject({
      type: "sessions",
    });
    expect(
      issuePaths(BroadcastInputSchema, {
        message: "m",
        target: { type: "sessions", ids: [...ids, "one-more"] },
      }),
    ).toEqual(["target.ids"]);
  });

  it("refuses unknown fields", () => {
    expect(issuePaths(BroadcastInputSchema, { message: "m", sessions: ["a"] })).toEqual([""]);
    expect(issuePaths(BroadcastInputSchema, { message: "m", Level: "info" })).toEqual([""]);
  });

  it("refuses bodies that are not objects", () => {
    for (const v of [null, [], "message", 1, true]) issuePaths(BroadcastInputSchema, v);
  });

  it("checks the optional idempotency id", () => {
    expect(BroadcastIdSchema.parse("a".repeat(64))).toHaveLength(64);
    for (const id of ["", "a".repeat(65), "has space", "a:b", "../x", "ü"]) {
      expect(issuePaths(BroadcastInputSchema, { message: "m", id })).toEqual(["id"]);
    }
  });
});

describe("LegacyBroadcastInputSchema", () => {
  it("takes {message, title?, level?} with level defaulting to info", () => {
    expect(LegacyBroadcastInputSchema.parse({ message: "m" })).toEqual({ message: "m", level: "info" });
    expect(
      LegacyBroadcastInputSchema.parse({ message: "System maintenance", title: "Alert", level: "warning" }),
    ).toEqual({ message: "System maintenance", title: "Alert", level: "warning" });
  });

  it("ignores extra fields as the legacy Django view did (they never reach the broadcast)", () => {
    const parsed = LegacyBroadcastInputSchema.parse({
      message: "m",
      target: { type: "online" },
      id: "x",
      foo: 1,
    });
    expect(parsed).toEqual({ message: "m", level: "info" });
  });

  it("applies the same limits as the main schema", () => {
    expect(issuePaths(LegacyBroadcastInputSchema, { message: "" })).toEqual(["message"]);
    expect(issuePaths(LegacyBroadcastInputSchema, { message: "x".repeat(4001) })).toEqual(["message"]);
    expect(issuePaths(LegacyBroadcastInputSchema, { message: "m", title: "t".repeat(201) })).toEqual([
      "title",
    ]);
    expect(issuePaths(LegacyBroadcastInputSchema, { message: "m", level: "critical" })).toEqual(["level"]);
  });
});

describe("PreviewInputSchema", () => {
  it("defaults to all and refuses unknown fields", () => {
    expect(PreviewInputSchema.parse({})).toEqual({ target: { type: "all" } });
    expect(issuePaths(PreviewInputSchema, { target: { type: "all" }, message: "m" })).toEqual([""]);
    expect(issuePaths(PreviewInputSchema, { target: { type: "sessions", ids: ["a:b"] } })).toEqual([
      "target.ids.0",
    ]);
  });
});

describe("PreviewInputSchema resume", () => {
  it("reads a point to go on from, for the target all only", () => {
    expect(PreviewInputSchema.parse({ resume: "123.45.6.abc0" }).resume).toEqual({
      cursor: "123",
      total: 45,
      withMessages: 6,
      runId: "abc0",
    });
    for (const resume of [
      "",
      "1.2.3",
      "1.2.3.",
      "-1.2.3.ab",
      "1.2.3.AB",
      "1.2.3.ab.4",
      `${"1".repeat(25)}.1.1.ab`,
    ])
      expect(issuePaths(PreviewInputSchema, { resume }), resume).toEqual(["resume"]);
    expect(issuePaths(PreviewInputSchema, { target: { type: "online" }, resume: "1.2.3.ab" })).toEqual([
      "resume",
    ]);
  });
});

describe("DeliveriesQuerySchema", () => {
  it("has defaults", () => {
    expect(DeliveriesQuerySchema.parse({})).toEqual({ cursor: "0", limit: 100 });
  });

  it("coerces limit from the query string and bounds it to 1–1000", () => {
    expect(DeliveriesQuerySchema.parse({ limit: "25" }).limit).toBe(25);
    expect(DeliveriesQuerySchema.parse({ limit: "1000" }).limit).toBe(1000);
    for (const limit of ["0", "1001", "-1", "1.5", "ten"]) {
      expect(issuePaths(DeliveriesQuerySchema, { limit })).toEqual(["limit"]);
    }
  });

  it("accepts each delivery status and refuses others", () => {
    for (const status of ["stored", "duplicate", "failed", "delivered", "seen"]) {
      expect(DeliveriesQuerySchema.parse({ status }).status).toBe(status);
    }
    expect(issuePaths(DeliveriesQuerySchema, { status: "created" })).toEqual(["status"]);
    expect(issuePaths(DeliveriesQuerySchema, { status: "" })).toEqual(["status"]);
  });

  it("takes only numeric cursors", () => {
    expect(DeliveriesQuerySchema.parse({ cursor: "1234" }).cursor).toBe("1234");
    for (const cursor of ["", "abc", "-1", "1e3", "0x10"]) {
      expect(issuePaths(DeliveriesQuerySchema, { cursor })).toEqual(["cursor"]);
    }
  });

  it("bounds the search string", () => {
    expect(DeliveriesQuerySchema.parse({ q: "abc" }).q).toBe("abc");
    expect(issuePaths(DeliveriesQuerySchema, { q: "q".repeat(201) })).toEqual(["q"]);
  });
});

describe("ListBroadcastsQuerySchema", () => {
  it("has defaults and bounds", () => {
    expect(ListBroadcastsQuerySchema.parse({})).toEqual({ cursor: "0", limit: 50 });
    expect(ListBroadcastsQuerySchema.parse({ cursor: "50", limit: "200" })).toEqual({
      cursor: "50",
      limit: 200,
    });
    expect(issuePaths(ListBroadcastsQuerySchema, { limit: "201" })).toEqual(["limit"]);
    expect(issuePaths(ListBroadcastsQuerySchema, { cursor: "x" })).toEqual(["cursor"]);
  });
});
