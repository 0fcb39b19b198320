import { describe, expect, it } from "vitest";
import { isVisitorId, newSessionId, parseCookies, SESSION_COOKIE, sessionCookieHeader } from "./visitor";

describe("visitor ids", () => {
  it("are 128 random bits, URL-safe, and different each time", () => {
    const ids = new Set(Array.from({ length: 100 }, newSessionId));
    expect(ids.size).toBe(100);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(isVisitorId(id)).toBe(true);
    }
  });

  it("refuses ids a client could use to name another key", () => {
    for (const id of [
      undefined,
      "",
      "short",
      "a:b".repeat(10),
      `${"a".repeat(30)}:messages`,
      "a".repeat(65),
      "ä".repeat(30),
    ]) {
      expect(isVisitorId(id)).toBe(false);
    }
  });
});

describe("parseCookies", () => {
  it("reads name=value pairs", () => {
    expect(parseCookies(`${SESSION_COOKIE}=abc; theme=dark`)).toEqual({
      [SESSION_COOKIE]: "abc",
      theme: "dark",
    });
  });

  it("handles a missing header, empty parts and values with '='", () => {
    expect(parseCookies(undefined)).toEqual({});
    expect(parseCookies("")).toEqual({});
    expect(parseCookies(";; a=1;;b=x=y; noequals")).toEqual({ a: "1", b: "x=y" });
  });

  it("keeps the first of duplicate names (the most specific path, as browsers send it)", () => {
    expect(parseCookies("a=first; a=second")).toEqual({ a: "first" });
  });

  it("decodes percent-encoding and ignores malformed values", () => {
    expect(parseCookies("a=hello%20world; b=%E0%A4%A; c=ok")).toEqual({ a: "hello world", c: "ok" });
  });
});

describe("sessionCookieHeader", () => {
  it("is httpOnly, SameSite=Lax, path /, with a max age", () => {
    expect(sessionCookieHeader("abc", 60, false)).toBe(
      `${SESSION_COOKIE}=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60`,
    );
  });

  it("adds Secure behind https", () => {
    expect(sessionCookieHeader("abc", 60, true)).toMatch(/; Secure$/);
  });
});
