import { expect, type Page, test } from "@playwright/test";
import { Redis } from "ioredis";
import { createToken } from "../lib/auth/tokens";
import { createKeys } from "../lib/redis/keys";
import { E2E_ADMIN_EMAIL, E2E_REDIS_URL } from "./env";
import { signIn } from "./support";

/**
 * A broadcast taken back: the open chat page removes it live (the `retract` event), a tab that
 * was offline meanwhile drops it when it reconnects, and after a reload it is gone.
 */
const keys = createKeys({ sessionPrefix: "session:", messagesSuffix: ":messages" });
let redis: Redis;
let token: string;

test.beforeAll(async () => {
  redis = new Redis({ path: E2E_REDIS_URL.slice("unix://".length), lazyConnect: true });
  await redis.connect();
  token = await createToken(redis, keys, `e2e-lifecycle-${Date.now()}`);
});
test.afterAll(async () => {
  await redis?.quit();
});

const auth = () => ({ authorization: `Bearer ${token}` });
const message = (page: Page, id: string) => page.locator(`[data-testid="message"][data-message-id="${id}"]`);

async function openChat(page: Page): Promise<string> {
  await page.goto("/");
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "live");
  const cookie = (await page.context().cookies()).find((c) => c.name === "herald_sid");
  expect(cookie).toBeTruthy();
  return cookie!.value;
}

test("a retracted broadcast leaves the open page live, a reconnecting tab, and the history", async ({
  page,
  browser,
  request,
}) => {
  const sid = await openChat(page);
  const other = await browser.newContext();
  const away = await other.newPage();
  const sidAway = await openChat(away);
  const id = `retract-e2e-${Date.now()}`;
  const sent = await request.post(`/api/broadcasts?wait=30`, {
    headers: auth(),
    data: { message: "Sent by mistake", id, target: { type: "sessions", ids: [sid, sidAway] } },
  });
  expect(sent.status(), await sent.text()).toBe(200);
  await expect(message(page, id)).toBeVisible();
  await expect(message(away, id)).toBeVisible();

  // The second tab loses its network; the broadcast is retracted meanwhile.
  await other.setOffline(true);
  await expect(away.getByTestId("connection-status")).not.toHaveAttribute("data-status", "live");
  const res = await request.delete(`/api/broadcasts/${id}`, { headers: auth() });
  expect([200, 202]).toContain(res.status());
  await expect(message(page, id)).toHaveCount(0);

  // Back online: the tab catches up and drops it.
  await other.setOffline(false);
  await expect(away.getByTestId("connection-status")).toHaveAttribute("data-status", "live");
  await expect(message(away, id)).toHaveCount(0);

  await page.reload();
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "live");
  await expect(message(page, id)).toHaveCount(0);
  expect(await redis.lrange(keys.sessionMessages(sid), 0, -1)).not.toContainEqual(
    expect.stringContaining(id),
  );
  await other.close();
});

test("an admin retracts from the report: confirmed, the open chat page loses it, the audit trail says who", async ({
  page,
  browser,
  request,
}) => {
  const chatContext = await browser.newContext();
  const chat = await chatContext.newPage();
  const sid = await openChat(chat);
  const id = `console-retract-${Date.now()}`;
  const sent = await request.post(`/api/broadcasts?wait=30`, {
    headers: auth(),
    data: { message: "Wrong room", id, target: { type: "sessions", ids: [sid] } },
  });
  expect(sent.status()).toBe(200);
  await expect(message(chat, id)).toBeVisible();

  await signIn(page);
  await page.goto(`/admin/broadcasts/${id}`);
  await page.getByTestId("retract-broadcast").click();
  await expect(page.getByRole("dialog")).toContainText("removed from every session");
  await page.getByTestId("confirm-action").click();
  await expect(page.getByTestId("lifecycle")).toContainText("1 copy removed");
  await expect(page.getByTestId("retract-broadcast")).toHaveCount(0);
  await expect(message(chat, id)).toHaveCount(0);

  await page.goto("/admin/audit");
  const row = page.getByRole("row").filter({ hasText: id }).filter({ hasText: "Retracted" });
  await expect(row).toContainText(E2E_ADMIN_EMAIL);
  await chatContext.close();
});

test("an admin schedules a broadcast for later in local time, sees it in the history, then cancels it", async ({
  page,
}) => {
  await signIn(page);
  await page.goto("/admin/broadcasts/new");
  const text = `Scheduled from the console ${Date.now()}`;
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByText("Send at…").click();
  // Ten minutes ahead, as the browser's datetime-local field wants it (its own time zone).
  const local = await page.evaluate(() => {
    const d = new Date(Date.now() + 10 * 60_000);
    const p = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  });
  await page.getByTestId("send-at").fill(local);
  await page.getByRole("button", { name: "Review and send…" }).click();
  await expect(page.getByTestId("confirm-schedule")).toBeVisible();
  await page.getByTestId("confirm-send").click();
  await expect(page).toHaveURL(/\/admin\/broadcasts\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("lifecycle")).toContainText("Sends at");
  const id = page.url().split("/").pop()!;
  const stored = await redis.hget(`herald:bc:{${id}}`, "sendAt");
  const expected = await page.evaluate((v) => new Date(v).toISOString(), local);
  expect(stored).toBe(expected);

  await page.goto("/admin/broadcasts");
  const row = page.getByRole("row").filter({ hasText: text });
  await expect(row).toContainText("scheduled");
  await expect(row.getByTestId("sends-at")).toBeVisible();

  await page.goto(`/admin/broadcasts/${id}`);
  await page.getByTestId("cancel-broadcast").click();
  await page.getByTestId("confirm-action").click();
  await expect(page.getByTestId("lifecycle")).toContainText("Cancelled");
  expect(await redis.hget(`herald:bc:{${id}}`, "status")).toBe("cancelled");
});
