import { mkdirSync } from "node:fs";
import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import type { Redis } from "ioredis";
import { E2E_ADMIN_EMAIL, PROJECT_ROOT } from "./env";
import { apiToken, connectRedis, sendBroadcast, signIn, unique } from "./support";

// Screenshots for people to look at (not compared): e2e/.artifacts is git-ignored test output.
const SHOTS = path.join(PROJECT_ROOT, "e2e", ".artifacts");
mkdirSync(SHOTS, { recursive: true });

let redis: Redis;
test.beforeAll(async () => {
  redis = await connectRedis();
});
test.afterAll(async () => {
  await redis?.quit();
});

/** A full-page screenshot from the top (a sticky header would otherwise sit mid-page). */
async function shot(page: Page, name: string, fullPage = true) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, name), fullPage });
}

/** The number in a dashboard stat card. */
async function stat(page: Page, testId: string): Promise<number> {
  const dd = page.getByTestId(testId).locator("dd").first();
  await expect(dd).toHaveText(/^[\d,]+$/);
  return Number(((await dd.textContent()) ?? "").replace(/,/g, ""));
}

test("an unauthenticated visit to /admin goes to the sign-in page", async ({ page }) => {
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/admin\/sign-in\?callbackUrl=%2Fadmin$/);
  await expect(page.getByRole("heading", { name: "Sign in to the admin console" })).toBeVisible();
  const api = await page.request.get("/api/sessions");
  expect(api.status()).toBe(401);
});

test("a wrong password is refused with the generic message", async ({ page }) => {
  await page.request.get("/api/auth/csrf");
  await page.goto("/admin/sign-in");
  await page.getByLabel("Email").fill(E2E_ADMIN_EMAIL);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Sign-in failed" })).toContainText(
    "Sign-in failed. Check your email and password.",
  );
  await expect(page).toHaveURL(/\/admin\/sign-in/);
  // An unknown email gets exactly the same answer.
  await page.getByLabel("Email").fill("nobody@example.com");
  await page.getByLabel("Password").fill("whatever-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Sign-in failed" })).toContainText(
    "Sign-in failed. Check your email and password.",
  );
  expect((await page.request.get("/api/sessions")).status()).toBe(401);
});

test("compose with a target preview, send, read the report, see the dashboard change", async ({ page }) => {
  test.setTimeout(60_000);
  await signIn(page);

  const totalBefore = await stat(page, "stat-total");
  const emptyBefore = await stat(page, "stat-empty");

  // Sessions as the chat app leaves them: an empty one (data key only, no messages list),
  // a few with history, and one whose messages key has the wrong type (it must fail alone).
  const tag = Date.now().toString(36);
  const emptyId = `e2e-empty-${tag}`;
  const brokenId = `e2e-broken-${tag}`;
  const chatty = Array.from({ length: 5 }, (_, i) => `e2e-chatty-${tag}-${i}`);
  const seed = redis
    .multi()
    .set(`session:${emptyId}`, JSON.stringify({ createdAt: new Date().toISOString() }), "EX", 3600);
  for (const id of chatty) {
    seed.set(`session:${id}`, "{}", "EX", 3600);
    seed.rpush(
      `session:${id}:messages`,
      JSON.stringify({
        id: `u-${id}`,
        type: "user",
        message: "Hello there",
        createdAt: new Date().toISOString(),
      }),
    );
  }
  seed
    .set(`session:${brokenId}`, "{}", "EX", 3600)
    .set(`session:${brokenId}:messages`, "not a list", "EX", 3600);
  await seed.exec();
  const total = totalBefore + 7;

  await page.reload();
  await expect.poll(() => stat(page, "stat-total")).toBe(total);
  expect(await stat(page, "stat-empty")).toBe(emptyBefore + 1);

  await page.getByRole("link", { name: "New broadcast" }).first().click();
  await expect(page).toHaveURL(/\/admin\/broadcasts\/new$/);
  await expect(page.getByRole("heading", { name: "New broadcast" })).toBeVisible();

  // Validation errors show beside their field.
  await page.getByRole("button", { name: "Review and send…" }).click();
  await expect(page.getByText("message is required")).toBeVisible();

  // A title of its own: other specs send "Maintenance Alert"s too.
  const title = unique("Maintenance Alert");
  await page.getByRole("textbox", { name: "Title" }).fill(title);
  await page
    .getByRole("textbox", { name: "Message" })
    .fill("System maintenance in 5 minutes. Save your work.");
  await expect(page.getByText("message is required")).toBeHidden();
  await page.getByText("Warning", { exact: true }).click();
  const preview = page.getByTestId("chat-preview");
  await expect(preview).toContainText(title);
  await expect(preview).toContainText("System maintenance in 5 minutes.");

  // The target preview counts the new sessions and lists the empty one, marked empty.
  const targetPanel = page.locator("#target-preview");
  await expect(targetPanel.getByTestId("preview-total")).toHaveText(String(total));
  await expect(targetPanel.getByTestId("preview-empty")).toHaveText(String(emptyBefore + 1));
  await targetPanel.getByLabel("Search target sessions").fill(emptyId);
  await expect(targetPanel.locator("tbody tr")).toHaveCount(1);
  await expect(targetPanel.locator("tbody tr")).toHaveCount(1);
  const row = targetPanel.locator(`tr[data-session-id="${emptyId}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText("empty");
  await shot(page, "compose-with-preview.png");

  await page.getByRole("button", { name: "Review and send…" }).click();
  const dialog = page.getByRole("dialog", { name: "Send this broadcast?" });
  await expect(dialog.getByTestId("confirm-count")).toHaveText(String(total));
  await page.screenshot({ path: path.join(SHOTS, "compose-confirm.png") });
  await dialog.getByTestId("confirm-send").click();

  await expect(page).toHaveURL(/\/admin\/broadcasts\/[0-9a-f-]{36}$/);
  const broadcastId = page.url().split("/").pop()!;
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  // One session's messages key is a string: that one fails, the broadcast is partial.
  await expect(page.getByText("partial", { exact: true }).first()).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId("sum-targeted").locator("dd").first()).toHaveText(String(total));
  await expect(page.getByTestId("sum-stored").locator("dd").first()).toHaveText(String(total - 1));
  await expect(page.getByTestId("sum-created").locator("dd").first()).toHaveText(String(emptyBefore + 1));
  await expect(page.getByTestId("sum-failed").locator("dd").first()).toHaveText("1");

  const search = page.getByLabel("Search by session id");
  await search.fill(emptyId);
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await expect(page.locator("tbody tr")).toHaveCount(1);
  const delivery = page.locator(`tr[data-session-id="${emptyId}"]`);
  await expect(delivery).toBeVisible();
  await expect(delivery).toContainText("stored");
  await expect(delivery).toContainText("created");
  await search.fill("");
  await page.getByRole("radio", { name: "Failed" }).check({ force: true });
  const failed = page.locator(`tr[data-session-id="${brokenId}"]`);
  await expect(failed).toContainText("messages key holds a string, not a list");
  await page.getByRole("radio", { name: "All" }).check({ force: true });
  await expect(page.locator(`tr[data-session-id="${emptyId}"]`)).toBeVisible();
  await shot(page, "report.png");

  // The session really holds the message once, and the CSV export lists it.
  expect(await redis.llen(`session:${emptyId}:messages`)).toBe(1);
  const csv = await page.request.get(`/api/broadcasts/${broadcastId}/deliveries.csv?q=${emptyId}`);
  expect(csv.status()).toBe(200);
  expect(await csv.text()).toMatch(new RegExp(`^${emptyId},stored,true,`, "m"));
  // Other specs share this Redis: leave no broken session behind.
  await redis.del(`session:${brokenId}`, `session:${brokenId}:messages`);

  // A session's detail shows its history, the broadcast included.
  await page.goto(`/admin/sessions/${chatty[0]}`);
  await expect(page.getByRole("list", { name: "Messages" })).toContainText("Hello there");
  await expect(page.getByRole("list", { name: "Messages" })).toContainText(title);
  await shot(page, "session-detail.png");

  // The broadcast is in the history with its author, and the dashboard counts moved.
  await page.getByRole("link", { name: "History" }).first().click();
  await expect(page.getByRole("row").filter({ hasText: title })).toContainText(E2E_ADMIN_EMAIL);
  await shot(page, "history.png");
  await page.getByRole("link", { name: "Dashboard" }).first().click();
  await expect.poll(() => stat(page, "stat-empty")).toBe(0);
  expect(await stat(page, "stat-total")).toBe(total - 1);
  expect(await stat(page, "stat-with-history")).toBe(total - 1);
  await shot(page, "dashboard.png");
});

test("the console works on a phone-sized screen", async ({ page }) => {
  const title = unique("Phone report");
  await sendBroadcast(page.request, await apiToken(redis, "admin"), {
    title,
    message: "A broadcast of this test's own",
    target: { type: "sessions", ids: [unique("phone-nobody")] },
  });
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Compose" }).click();
  await expect(page.getByRole("heading", { name: "New broadcast" })).toBeVisible();
  await page.getByRole("textbox", { name: "Message" }).fill("Phone-sized check");
  await expect(page.getByTestId("chat-preview")).toContainText("Phone-sized check");
  // Nothing overflows sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await shot(page, "compose-phone.png");
  // Leaving with an unsent draft: the browser asks first (its draft is kept).
  page.once("dialog", (d) => void d.accept());
  await page.goto("/admin/sessions");
  await expect(page.getByRole("heading", { name: "Sessions" })).toBeVisible();
  await shot(page, "sessions-phone.png");
  await page.goto("/admin/broadcasts");
  await page.getByRole("link", { name: title }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(page.getByTestId("sum-stored")).toBeVisible();
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
  ).toBeLessThanOrEqual(0);
  await shot(page, "report-phone.png");
});
