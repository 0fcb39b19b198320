import { type APIRequestContext, expect, type Page } from "@playwright/test";
import { Redis } from "ioredis";
import { createToken } from "../lib/auth/tokens";
import { createKeys } from "../lib/redis/keys";
import { E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD, E2E_BASE_URL, E2E_REDIS_URL } from "./env";

// What the specs share: signing in, the e2e server's Redis, an API token, seeding data. Each spec
// seeds what it needs with names of its own, so the specs run alone or in any order.

export const keys = createKeys({ sessionPrefix: "session:", messagesSuffix: ":messages" });

/** Sign in to the console as the e2e admin (shared by the specs that use the console). */
export async function signIn(page: Page) {
  // Fetch a CSRF cookie before the form does, so two first requests cannot race for it.
  await page.request.get("/api/auth/csrf");
  await page.goto("/admin/sign-in");
  await page.getByLabel("Email").fill(E2E_ADMIN_EMAIL);
  await page.getByLabel("Password").fill(E2E_ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin$/);
}

/** A connection to the e2e server's embedded Redis (close it in afterAll). */
export async function connectRedis(): Promise<Redis> {
  const redis = new Redis({ path: E2E_REDIS_URL.slice("unix://".length), lazyConnect: true });
  await redis.connect();
  return redis;
}

/** A fresh API token for one spec, stored as `herald token create` stores it. */
export function apiToken(redis: Redis, spec: string): Promise<string> {
  return createToken(redis, keys, `e2e-${spec}-${Date.now()}`);
}

/** A name no other spec or run uses, for sessions, titles and ids. */
export const unique = (what: string) =>
  `${what}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Sessions as the chat app leaves them: `empty` with a data key only, the others with a user message. */
export async function seedSessions(
  redis: Redis,
  ids: { empty?: string[]; chatty?: string[] },
): Promise<void> {
  const m = redis.multi();
  for (const id of ids.empty ?? []) m.set(keys.sessionData(id), "{}", "EX", 3600);
  for (const id of ids.chatty ?? []) {
    m.set(keys.sessionData(id), "{}", "EX", 3600);
    m.rpush(
      keys.sessionMessages(id),
      JSON.stringify({
        id: `u-${id}`,
        type: "user",
        message: "Hello there",
        createdAt: new Date().toISOString(),
      }),
    );
    m.expire(keys.sessionMessages(id), 3600);
  }
  await m.exec();
}

export interface SentBroadcast {
  id: string;
  status: string;
  stored: number;
  targeted: number;
}

/** Send a broadcast with the token and wait for its end (`?wait=`): the summary. */
export async function sendBroadcast(
  request: APIRequestContext,
  token: string,
  body: { message: string; title?: string; level?: string; target?: unknown; id?: string },
  baseURL = E2E_BASE_URL,
): Promise<SentBroadcast> {
  const res = await request.post(`${baseURL}/api/broadcasts?wait=60`, {
    headers: { authorization: `Bearer ${token}` },
    data: body,
  });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as SentBroadcast;
}

/** Open the chat page and wait until its socket is live; the page's session id. */
export async function openChat(page: Page, url = "/"): Promise<string> {
  await page.goto(url);
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "live");
  const cookie = (await page.context().cookies(page.url())).find((c) => c.name === "herald_sid");
  expect(cookie, "the chat page sets the session cookie").toBeTruthy();
  return cookie!.value;
}
