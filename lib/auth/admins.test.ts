import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestRedis, type TestRedis } from "../../test/helpers/redis";
import { HeraldError } from "../errors";
import { createKeys } from "../redis/keys";
import {
  countAdmins,
  createAdmin,
  DEFAULT_ADMIN_EMAIL,
  ensureFirstAdmin,
  generatePassword,
  hashPassword,
  listAdmins,
  normalizeEmail,
  verifyAdmin,
  verifyPassword,
} from "./admins";

const keys = createKeys({ sessionPrefix: "session:", messagesSuffix: ":messages" });

describe("admin passwords (pure)", () => {
  it("hashes with argon2id and verifies only the right password", async () => {
    const hash = await hashPassword("correct horse");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, "correct horse")).toBe(true);
    expect(await verifyPassword(hash, "correct horsE")).toBe(false);
    expect(await verifyPassword("not a hash", "correct horse")).toBe(false);
  });

  it("generates long, distinct, URL-safe passwords", () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(generatePassword()).not.toBe(a);
  });

  it("normalizes emails and rejects non-emails", () => {
    expect(normalizeEmail("  Boss@Example.COM ")).toBe("boss@example.com");
    expect(normalizeEmail("not-an-email")).toBeNull();
    expect(normalizeEmail("")).toBeNull();
  });
});

describe("admin store (real Redis)", () => {
  let t: TestRedis;
  beforeAll(async () => {
    t = await startTestRedis();
  });
  afterAll(async () => {
    await t?.stop();
  });
  beforeEach(async () => {
    await t.redis.del(keys.admins());
  });

  it("stores {email, hash, createdAt} under the lowercased email and verifies", async () => {
    const info = await createAdmin(t.redis, keys, "Boss@Example.com", "s3cret-pass");
    expect(info.email).toBe("boss@example.com");
    const raw = JSON.parse((await t.redis.hget(keys.admins(), "boss@example.com")) ?? "{}");
    expect(Object.keys(raw).sort()).toEqual(["createdAt", "email", "hash"]);
    expect(raw.hash).toMatch(/^\$argon2id\$/);
    expect(raw.hash).not.toContain("s3cret-pass");

    expect(await verifyAdmin(t.redis, keys, "BOSS@example.com", "s3cret-pass")).toBe(true);
    expect(await verifyAdmin(t.redis, keys, "boss@example.com", "wrong-pass")).toBe(false);
    expect(await verifyAdmin(t.redis, keys, "nobody@example.com", "s3cret-pass")).toBe(false);
    expect(await verifyAdmin(t.redis, keys, "not an email", "s3cret-pass")).toBe(false);
    expect(await countAdmins(t.redis, keys)).toBe(1);
    expect(await listAdmins(t.redis, keys)).toEqual([
      { email: "boss@example.com", createdAt: info.createdAt },
    ]);
  });

  it("refuses to overwrite unless asked, and validates input", async () => {
    await createAdmin(t.redis, keys, "a@example.com", "first-pass");
    await expect(createAdmin(t.redis, keys, "A@example.com", "second-pass")).rejects.toSatisfy(
      (e) => e instanceof HeraldError && e.code === "conflict",
    );
    expect(await verifyAdmin(t.redis, keys, "a@example.com", "first-pass")).toBe(true);
    await createAdmin(t.redis, keys, "a@example.com", "second-pass", { overwrite: true });
    expect(await verifyAdmin(t.redis, keys, "a@example.com", "second-pass")).toBe(true);
    expect(await verifyAdmin(t.redis, keys, "a@example.com", "first-pass")).toBe(false);

    await expect(createAdmin(t.redis, keys, "nope", "long-enough")).rejects.toThrow();
    await expect(createAdmin(t.redis, keys, "b@example.com", "short")).rejects.toThrow();
    expect(await countAdmins(t.redis, keys)).toBe(1);
  });

  it("spends about as long on an unknown email as on a known one", async () => {
    await createAdmin(t.redis, keys, "known@example.com", "s3cret-pass");
    await verifyAdmin(t.redis, keys, "warmup@example.com", "x"); // builds the dummy hash once
    const time = async (email: string) => {
      const t0 = performance.now();
      await verifyAdmin(t.redis, keys, email, "wrong-pass");
      return performance.now() - t0;
    };
    const known = await time("known@example.com");
    const unknown = await time("unknown@example.com");
    // Both run one argon2 verification; the bound is loose so a busy machine does not flake.
    expect(unknown).toBeGreaterThan(known / 4);
  });

  it("ensureFirstAdmin generates admin@herald.local with a password, once", async () => {
    const first = await ensureFirstAdmin(t.redis, keys);
    expect(first.created).toBe(true);
    expect(first.email).toBe(DEFAULT_ADMIN_EMAIL);
    expect(first.password).toBeTruthy();
    expect(await verifyAdmin(t.redis, keys, DEFAULT_ADMIN_EMAIL, first.password!)).toBe(true);

    const again = await ensureFirstAdmin(t.redis, keys, {
      email: "other@example.com",
      password: "whatever-1",
    });
    expect(again).toEqual({ email: DEFAULT_ADMIN_EMAIL, created: false });
    expect(await countAdmins(t.redis, keys)).toBe(1);
  });

  it("ensureFirstAdmin uses the configured email and password and does not echo the password", async () => {
    const r = await ensureFirstAdmin(t.redis, keys, {
      email: "Ops@Example.com",
      password: "configured-pass",
    });
    expect(r).toEqual({ email: "ops@example.com", created: true });
    expect(await verifyAdmin(t.redis, keys, "ops@example.com", "configured-pass")).toBe(true);
  });

  it("creates one admin when two starts race", async () => {
    const [a, b] = await Promise.all([ensureFirstAdmin(t.redis, keys), ensureFirstAdmin(t.redis, keys)]);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
    const winner = a.created ? a : b;
    expect(await verifyAdmin(t.redis, keys, DEFAULT_ADMIN_EMAIL, winner.password!)).toBe(true);
    expect(await countAdmins(t.redis, keys)).toBe(1);
  });
});
