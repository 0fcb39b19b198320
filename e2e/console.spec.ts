import { expect, type Page, test } from "@playwright/test";
import type { Redis } from "ioredis";
import { apiToken, connectRedis, openChat, seedSessions, sendBroadcast, signIn, unique } from "./support";

/**
 * What a new admin expects of the console, each a behaviour that once went wrong: the report
 * opens at the top on its first request, the dashboard is live, the session picker never picks
 * an id nobody typed, the preview and the confirmation agree, lists keep their state in the URL,
 * a draft survives, unknown pages get the console's 404, phones keep the send button at hand.
 * Every test seeds its own data under unique names.
 */
let redis: Redis;
let token: string;

test.beforeAll(async () => {
  redis = await connectRedis();
  token = await apiToken(redis, "console");
});
test.afterAll(async () => {
  await redis?.quit();
});

const stat = (page: Page, testId: string) => page.getByTestId(testId).locator("dd").first();
const num = async (page: Page, testId: string) =>
  Number(((await stat(page, testId).textContent()) ?? "").replace(/,/g, ""));

test("after Send, the report opens at the top and its first request finds the broadcast (phone)", async ({
  page,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const ids = [unique("send-a"), unique("send-b")];
  await seedSessions(redis, { chatty: ids });
  await signIn(page);
  const answers: { url: string; status: number }[] = [];
  page.on("response", (r) => {
    if (new URL(r.url()).pathname.startsWith("/api/broadcasts/"))
      answers.push({ url: r.url(), status: r.status() });
  });

  await page.goto(`/admin/broadcasts/new?${ids.map((id) => `session=${id}`).join("&")}`);
  const title = unique("Opens at the top");
  await page.getByRole("textbox", { name: "Title" }).fill(title);
  await page.getByRole("textbox", { name: "Message" }).fill("The report must open scrolled to the top.");
  // The send bar stays on screen at the bottom of a phone, without scrolling the long form.
  const bar = page.getByTestId("send-bar");
  await expect(bar).toBeInViewport();
  // Where an admin on a phone sends from: the bottom of the page.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await bar.getByRole("button", { name: "Review and send…" }).click();
  await page.getByTestId("confirm-send").click();

  await expect(page).toHaveURL(/\/admin\/broadcasts\/[0-9a-f-]{36}$/);
  const id = page.url().split("/").pop()!;
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(page.getByTestId("progress")).toBeInViewport();
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  await expect(page.getByText("completed", { exact: true }).first()).toBeVisible();
  const own = answers.filter((a) => new URL(a.url).pathname === `/api/broadcasts/${id}`);
  expect(own.length).toBeGreaterThan(0);
  expect(own.map((a) => a.status)).not.toContain(404);

  // Each filter lists what its counter counts, and says how many.
  await expect(stat(page, "sum-stored")).toHaveText("2");
  await expect(page.getByRole("radio", { name: "Stored 2" })).toBeAttached();
  await expect(page.getByRole("radio", { name: "Failed 0" })).toBeAttached();
});

test("the dashboard follows chat pages opening and closing, and its times tick", async ({
  page,
  browser,
}) => {
  await page.clock.install();
  await signIn(page);
  await expect(stat(page, "stat-online")).toHaveText(/^\d+$/);
  const before = await num(page, "stat-online");

  const visitor = await browser.newContext();
  await openChat(await visitor.newPage());
  // No reload: the count moves by itself.
  await expect(stat(page, "stat-online")).toHaveText(String(before + 1));
  await visitor.close();
  await expect(stat(page, "stat-online")).toHaveText(String(before));

  const sent = await sendBroadcast(page.request, token, {
    title: unique("Ticking"),
    message: "a recent broadcast",
    target: { type: "sessions", ids: [unique("tick-missing")] },
  });
  const row = page.getByRole("row").filter({ has: page.locator(`a[href="/admin/broadcasts/${sent.id}"]`) });
  await expect(row).toContainText("just now");
  await page.clock.fastForward("03:00");
  await expect(row).toContainText("3 min ago");
});

test("the session picker never picks an id nobody chose; the preview and the confirmation agree", async ({
  page,
}) => {
  const prefix = unique("pick");
  const real = [`${prefix}-1`, `${prefix}-2`];
  await seedSessions(redis, { chatty: real });
  await signIn(page);
  await page.goto("/admin/broadcasts/new");
  await page.getByRole("textbox", { name: "Message" }).fill("Picker check");
  await page.getByText("Chosen sessions", { exact: true }).click();
  const box = page.getByRole("combobox", { name: "Find sessions" });

  // A typed prefix is not an option: ArrowDown then Enter takes the first real match.
  await box.fill(prefix);
  const options = page.getByRole("option");
  await expect(options).toHaveCount(2);
  await expect(page.locator('[role="option"][aria-selected]').filter({ hasText: prefix })).toHaveCount(2);
  await box.press("ArrowDown");
  await box.press("Enter");
  const chosen = page.getByRole("list", { name: "Chosen sessions" });
  await expect(chosen.getByRole("listitem")).toHaveCount(1);
  expect(real).toContain((await chosen.getByRole("listitem").first().textContent())?.replace("×", "").trim());

  // An id that names no session is said so, and Enter adds nothing.
  const ghost = unique("ghost");
  await box.fill(ghost);
  await expect(page.getByTestId("no-such-session")).toContainText(ghost);
  await box.press("Enter");
  await expect(chosen.getByRole("listitem")).toHaveCount(1);

  // Pasted ids are taken as they are: the preview marks the missing one, the confirmation says the same.
  await box.fill("");
  await box.evaluate((el, text) => {
    const data = new DataTransfer();
    data.setData("text", text);
    el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, `${real[0]} ${real[1]} ${ghost}`);
  // The one picked above is among them: chosen once.
  await expect(chosen.getByRole("listitem")).toHaveCount(3);
  const missingRow = page.locator(`#target-preview tr[data-session-id="${ghost}"]`);
  await expect(missingRow).toContainText("no such session");
  await expect(missingRow).toContainText("recorded as failed");
  await page.getByRole("button", { name: "Review and send…" }).first().click();
  const dialog = page.getByRole("dialog", { name: "Send this broadcast?" });
  await expect(dialog.getByTestId("confirm-count")).toHaveText("2");
  await expect(dialog.getByTestId("confirm-missing")).toHaveText(
    "1 chosen id matches no session: it gets nothing and is recorded as failed.",
  );
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // Only missing ids: both say there is nothing to send.
  await page.getByRole("button", { name: "Clear all" }).click();
  await box.evaluate(
    (el, text) => {
      const data = new DataTransfer();
      data.setData("text", text);
      el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    },
    `${ghost} ${unique("ghost")}`,
  );
  await expect(page.locator("#target-preview").getByTestId("preview-total")).toHaveText("0");
  await page.getByRole("button", { name: "Review and send…" }).first().click();
  await expect(dialog.getByTestId("confirm-nothing")).toHaveText(
    "None of the chosen ids is a session, so there is nothing to send.",
  );
  await expect(dialog.getByTestId("confirm-send")).toBeDisabled();
});

test("sessions: filter, search and page live in the URL (reload, Back, a shared link)", async ({ page }) => {
  const prefix = unique("url");
  await seedSessions(redis, { empty: Array.from({ length: 60 }, (_, i) => `${prefix}-${i}`) });
  await signIn(page);
  await page.goto("/admin/sessions");
  const rows = page.getByRole("table", { name: "Sessions" }).locator("tbody tr");
  // Loaded (and hydrated): a click before that would land on the server's HTML.
  await expect(rows.first()).toBeVisible();
  await page.getByRole("radio", { name: /^Empty/ }).check({ force: true });
  await expect(page).toHaveURL(/filter=empty/);
  await expect(page.getByTestId("pager-status")).toHaveText(/^Page 1 of [\d,]+\s*· [\d,]+ sessions/);
  await page.getByRole("searchbox", { name: "Search sessions by id" }).fill(prefix);
  await expect(page).toHaveURL(new RegExp(`q=${prefix}`));
  await expect(rows).toHaveCount(25);
  const first = await rows.first().getAttribute("data-session-id");

  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByTestId("pager-status")).toHaveText(/^Page 2/);
  await expect(rows.first()).not.toHaveAttribute("data-session-id", first!);
  await expect(rows).toHaveCount(25);
  const second = await rows.first().getAttribute("data-session-id");

  // A reload, and the same link in another tab, show the same page.
  await page.reload();
  await expect(page.getByTestId("pager-status")).toHaveText(/^Page 2/);
  await expect(rows.first()).toHaveAttribute("data-session-id", second!);
  await expect(page.getByRole("searchbox", { name: "Search sessions by id" })).toHaveValue(prefix);
  await expect(page.getByRole("radio", { name: /^Empty/ })).toBeChecked();
  const shared = await page.context().newPage();
  await shared.goto(page.url());
  await expect(shared.getByRole("table", { name: "Sessions" }).locator("tbody tr").first()).toHaveAttribute(
    "data-session-id",
    second!,
  );
  await shared.close();

  // Previous after the reload, and Back, go to page 1.
  await page.getByRole("button", { name: "Previous" }).click();
  await expect(page.getByTestId("pager-status")).toHaveText(/^Page 1/);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByTestId("pager-status")).toHaveText(/^Page 2/);
  await page.goBack();
  await expect(page.getByTestId("pager-status")).toHaveText(/^Page 1/);
  await expect(rows.first()).toHaveAttribute("data-session-id", first!);
});

test("a compose draft survives leaving the page, and leaving with it asks first", async ({ page }) => {
  await signIn(page);
  await page.goto("/admin/broadcasts/new");
  const title = unique("Draft");
  await page.getByRole("textbox", { name: "Title" }).fill(title);
  await page.getByRole("textbox", { name: "Message" }).fill("Not sent yet");
  await page.getByText("Warning", { exact: true }).click();

  const asked: string[] = [];
  page.on("dialog", (d) => {
    asked.push(`${d.type()}: ${d.message()}`);
    void d.accept();
  });
  await page
    .getByRole("navigation", { name: "Main" })
    .first()
    .getByRole("link", { name: "Sessions" })
    .click();
  await expect(page).toHaveURL(/\/admin\/sessions$/);
  expect(asked).toHaveLength(1);
  expect(asked[0]).toMatch(/^confirm: Leave this page\? The broadcast is not sent/);

  await page.goto("/admin/broadcasts/new");
  await expect(page.getByTestId("draft-restored")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Title" })).toHaveValue(title);
  await expect(page.getByRole("textbox", { name: "Message" })).toHaveValue("Not sent yet");
  await expect(page.getByRole("radio", { name: /Warning/ })).toBeChecked();

  // Closing or reloading the tab gets the browser's own question.
  await page.getByRole("textbox", { name: "Message" }).fill("Not sent yet, still");
  await page.reload();
  expect(asked.at(-1)).toMatch(/^beforeunload/);
  await expect(page.getByRole("textbox", { name: "Message" })).toHaveValue("Not sent yet, still");

  // Discarding empties the form and forgets the draft.
  await page.getByRole("button", { name: "Discard draft" }).click();
  await expect(page.getByRole("textbox", { name: "Title" })).toHaveValue("");
  await page.reload();
  await expect(page.getByTestId("draft-restored")).toHaveCount(0);
});

test("an unknown console address gets the console's own 404; copy buttons copy", async ({
  page,
  context,
}) => {
  await signIn(page);
  const res = await page.goto("/admin/no/such/page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).first()).toBeVisible();

  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const sent = await sendBroadcast(page.request, token, {
    message: "copy me",
    target: { type: "sessions", ids: [unique("copy-missing")] },
  });
  await page.goto(`/admin/broadcasts/${sent.id}`);
  await page.getByRole("button", { name: "Copy broadcast id" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(sent.id);
  await page.getByRole("button", { name: "Copy report link" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(page.url());
});

test("on a phone, history rows keep their status and counts", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const title = unique("Phone row");
  await sendBroadcast(page.request, token, {
    title,
    message: "for the phone layout",
    target: { type: "sessions", ids: [unique("phone-missing")] },
  });
  await signIn(page);
  await page.goto("/admin/broadcasts");
  const row = page.getByRole("row").filter({ hasText: title });
  await expect(row).toContainText("failed");
  await expect(row).toContainText("1 targeted · 0 stored · 1 failed · 0 delivered");
  await expect(row.getByText("1 targeted", { exact: false })).toBeInViewport();
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
  ).toBeLessThanOrEqual(0);
});
