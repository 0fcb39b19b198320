import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, type Page, test } from "@playwright/test";
import type { Redis } from "ioredis";
import { E2E_BASE_URL } from "./env";
import { apiToken, connectRedis, openChat, seedSessions, sendBroadcast, signIn, unique } from "./support";

/**
 * The pages under their Content Security Policy, in a real browser: every page people use loads
 * and works with no CSP violation (scripts run by nonce only), and no other origin may frame them.
 * The settings page's token flow runs here too (create with scopes, use, revoke).
 */
let redis: Redis;
const seeded = { sessionId: "", broadcastId: "" };

test.beforeAll(async ({ request }) => {
  redis = await connectRedis();
  const token = await apiToken(redis, "security");
  seeded.sessionId = unique("sec-chatty");
  await seedSessions(redis, { chatty: [seeded.sessionId] });
  const sent = await sendBroadcast(request, token, {
    title: unique("CSP check"),
    message: "A broadcast seen under the page's Content Security Policy.",
    target: { type: "sessions", ids: [seeded.sessionId] },
  });
  seeded.broadcastId = sent.id;
});
test.afterAll(async () => {
  await redis?.quit();
});

/** Every CSP violation the page reports (the DOM event) or logs (Chromium's console line). */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to (execute|load|apply|connect)/i.test(m.text()))
      seen.push(m.text());
  });
  await page.exposeFunction("__cspViolation", (v: string) => seen.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(
        `${location.pathname}: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`,
      );
    });
  });
  return seen;
}

test("every page loads and works under the CSP with no violation", async ({ page }) => {
  const violations = await watchViolations(page);

  // The chat page: scripts hydrate, the socket connects (live), the composer posts.
  await openChat(page);
  await page.getByRole("textbox", { name: /message/i }).fill("hello under CSP");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("message-text").filter({ hasText: "hello under CSP" })).toHaveCount(1);

  await signIn(page);
  const pages: [string, (p: Page) => Promise<void>][] = [
    ["/admin", (p) => expect(p.getByRole("heading", { level: 1 })).toBeVisible()],
    ["/admin/broadcasts/new", (p) => expect(p.getByTestId("preview-total")).toHaveText(/^[\d,]+$/)],
    ["/admin/broadcasts", (p) => expect(p.getByRole("table", { name: "Broadcasts" })).toBeVisible()],
    [
      `/admin/broadcasts/${seeded.broadcastId}`,
      (p) => expect(p.getByRole("table", { name: "Deliveries" }).locator("tbody tr").first()).toBeVisible(),
    ],
    ["/admin/sessions", (p) => expect(p.getByRole("table", { name: "Sessions" })).toBeVisible()],
    [
      `/admin/sessions/${seeded.sessionId}`,
      (p) => expect(p.getByRole("list", { name: "Messages" })).toBeVisible(),
    ],
    ["/admin/audit", (p) => expect(p.getByRole("heading", { level: 1 })).toBeVisible()],
    ["/admin/settings", (p) => expect(p.getByRole("table", { name: "Admins" })).toBeVisible()],
    ["/admin/no-such-page", (p) => expect(p.getByText(/not found/i).first()).toBeVisible()],
  ];
  for (const [url, ready] of pages) {
    const res = await page.goto(url);
    expect(res?.headers()["content-security-policy"], url).toMatch(/script-src 'self' 'nonce-/);
    await ready(page);
    // The console's live socket connects under the CSP too.
    if (url === "/admin") await expect(page.getByText("Live", { exact: true })).toBeVisible();
  }
  expect(violations).toEqual([]);
});

test("another origin cannot frame Herald's pages", async ({ page }) => {
  const html = `<!doctype html><title>evil</title><iframe id="f" src="${E2E_BASE_URL}/admin/sign-in" width="800" height="600"></iframe>`;
  const evil: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(html);
  });
  await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
  try {
    const blocked: string[] = [];
    page.on("console", (m) => {
      if (/frame-ancestors|Refused to (display|frame)/i.test(m.text())) blocked.push(m.text());
    });
    // "localhost" is another origin than the e2e server's 127.0.0.1.
    await page.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
    await expect.poll(() => blocked.length, { message: "the browser refuses the frame" }).toBeGreaterThan(0);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    // The refused frame shows no part of Herald's page.
    expect(await frame?.locator("button", { hasText: "Sign in" }).count()).toBe(0);
  } finally {
    await new Promise((resolve) => evil.close(resolve));
  }
});

test("settings: create a scoped token, see it used, revoke it", async ({ page, request }) => {
  await signIn(page);
  await page.goto("/admin/settings");
  const name = unique("reader").slice(0, 40);
  const form = page.getByRole("form", { name: "Create a token" });
  await form.getByLabel("Name").fill(name);
  // Only broadcasts:read: uncheck the write scope ticked by default.
  await form.getByRole("checkbox", { name: /broadcasts:write/ }).uncheck();
  await form.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.getByTestId("new-token").textContent())!.trim();
  expect(secret).toMatch(/^hrld_/);

  const auth = { authorization: `Bearer ${secret}` };
  expect((await request.get("/api/broadcasts", { headers: auth })).status()).toBe(200);
  expect((await request.post("/api/broadcasts", { headers: auth, data: { message: "no" } })).status()).toBe(
    403,
  );

  await page.reload();
  const row = page.getByRole("table", { name: "API tokens" }).getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("broadcasts:read");
  await expect(row).not.toContainText("never");
  await row.getByRole("button", { name: `Revoke ${name}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke token" }).click();
  await expect(row).toHaveCount(0);
  expect((await request.get("/api/broadcasts", { headers: auth })).status()).toBe(401);
});
