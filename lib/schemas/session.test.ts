import { describe, expect, it } from "vitest";
import { ListSessionsQuerySchema, SESSION_FILTERS } from "./session";

describe("ListSessionsQuerySchema", () => {
  it("has defaults: all sessions, from the start, 50 a page", () => {
    expect(ListSessionsQuerySchema.parse({})).toEqual({ filter: "all", cursor: "0", limit: 50 });
  });

  it("accepts the four filters and refuses others", () => {
    expect(SESSION_FILTERS).toEqual(["all", "empty", "nonempty", "online"]);
    for (const filter of SESSION_FILTERS)
      expect(ListSessionsQuerySchema.parse({ filter }).filter).toBe(filter);
    for (const filter of ["", "EMPTY", "non-empty", "offline"]) {
      const r = ListSessionsQuerySchema.safeParse({ filter });
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => i.path)).toEqual([["filter"]]);
    }
  });

  it("coerces and bounds limit to 1–1000", () => {
    expect(ListSessionsQuerySchema.parse({ limit: "1" }).limit).toBe(1);
    expect(ListSessionsQuerySchema.parse({ limit: "1000" }).limit).toBe(1000);
    for (const limit of ["0", "1001", "2.5", "many"]) {
      expect(ListSessionsQuerySchema.safeParse({ limit }).success).toBe(false);
    }
  });

  it("takes only numeric SCAN cursors", () => {
    expect(ListSessionsQuerySchema.parse({ cursor: "17592186044416" }).cursor).toBe("17592186044416");
    for (const cursor of ["", "abc", "-5", "1 2"]) {
      expect(ListSessionsQuerySchema.safeParse({ cursor }).success).toBe(false);
    }
  });

  it("bounds the id search", () => {
    expect(ListSessionsQuerySchema.parse({ q: "abc" }).q).toBe("abc");
    expect(ListSessionsQuerySchema.safeParse({ q: "q".repeat(201) }).success).toBe(false);
  });
});
