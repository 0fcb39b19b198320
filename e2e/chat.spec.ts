import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { type APIRequestContext, type BrowserContext, expect, type Page, test } from "@playwright/test";
import type { Redis } from "ioredis";
import { E2E_BASE_URL, E2E_REDIS_URL, E2E_SERVER_ENV, PROJECT_ROOT } from "./env";
import { apiToken, connectRedis, keys, openChat, type SentBroadcast, sendBroadcast } from "./support";

/**
 * The end-user chat page against the production build, the custom server and its embedded
 * Redis: sessions, history, live broadcasts, receipts, catch-up and text-only rendering.
 * Broadcasts go through the HTTP API with a token written straight into that Redis.
 */
const ARTIFACTS = path.join(PROJECT_ROOT, "e2e", ".artifacts");
let redis: Redis;
let token: string;

test.beforeAll(async () => {
  redis = await connectRedis();
  token = await apiToken(redis, "chat");
  mkdirSync(ARTIFACTS, { recursive: true });
});

test.afterAll(async () => {
  await redis?.quit();
});

const broadcast = (
  request: APIRequestContext,
  body: { message: string; title?: string; level?: string; target?: unknown },
  baseURL = E2E_BASE_URL,
): Promise<SentBroadcast> => sendBroadcast(request, token, body, baseURL);

const only = (sid: string) => ({ type: "sessions", ids: [sid] });

async function sessionId(context: BrowserContext, url = E2E_BASE_URL): Promise<string> {
  const cookie = (await context.cookies(url)).find((c) => c.name === "herald_sid");
  expect(cookie, "the chat page sets the session cookie").toBeTruthy();
  return cookie!.value;
}

/** Scroll the history to its top, as someone reading old messages: new ones no longer scroll into view. */
async function readOlderMessages(page: Page): Promise<void> {
  await page.getByTestId("message-list").evaluate((el) => {
    el.scrollTop = 0;
    el.dispatchEvent(new Event("scroll"));
  });
}

/** A notice's entrance transition has ended (screenshots and positions are taken at rest). */
const settled = (page: Page) =>
  page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {}))));

const messageById = (page: Page, id: string) =>
  page.locator(`[data-testid="message"][data-message-id="${id}"]`);

async function deliveryOf(request: APIRequestContext, broadcastId: string, sid: string) {
  const res = await request.get(`/api/broadcasts/${broadcastId}/deliveries?q=${encodeURIComponent(sid)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status()).toBe(200);
  const body = (await res.json()) as { deliveries: { sessionId: string; status: string; seenAt?: string }[] };
  return body.deliveries.find((d) => d.sessionId === sid);
}

test("a new visitor gets an empty session; a broadcast shows live with its level, and once after a reload", async ({
  page,
  request,
}) => {
  const sid = await openChat(page);
  const cookie = (await page.context().cookies()).find((c) => c.name === "herald_sid")!;
  expect(cookie.httpOnly).toBe(true);
  expect(cookie.sameSite).toBe("Lax");
  expect(sid.length).toBeGreaterThanOrEqual(22); // 128 random bits, base64url

  // Like the legacy app's empty session: the data key with a TTL, no messages list.
  expect(await redis.exists(keys.sessionData(sid))).toBe(1);
  expect(await redis.ttl(keys.sessionData(sid))).toBeGreaterThan(0);
  expect(await redis.exists(keys.sessionMessages(sid))).toBe(0);
  await expect(page.getByTestId("empty-state")).toBeVisible();

  const text = `Maintenance in 5 minutes ${Date.now()}`;
  const sent = await broadcast(request, { message: text, title: "Maintenance Alert", level: "warning" });
  expect(sent.stored).toBeGreaterThanOrEqual(1);

  const card = messageById(page, sent.id);
  await expect(card).toBeVisible();
  await expect(card).toHaveAttribute("data-type", "broadcast");
  await expect(card).toHaveAttribute("data-level", "warning");
  await expect(card.getByTestId("level-label")).toHaveText("Warning");
  await expect(card.getByTestId("message-title")).toHaveText("Maintenance Alert");
  await expect(card.getByTestId("message-text")).toHaveText(text);
  // The level's colours: an amber card, unlike the user's indigo bubbles.
  expect(await card.evaluate((el) => el.className)).toContain("amber");

  // It scrolled into view at the end of the list: highlighted there, not repeated in a notice.
  await expect(card).toHaveAttribute("data-highlighted", "true");
  await expect(page.getByTestId("toast")).toHaveCount(0);

  await page.reload();
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "live");
  await expect(messageById(page, sent.id)).toHaveCount(1);
  await expect(page.getByText(text, { exact: true })).toHaveCount(1);
  // Shown on load, not announced again.
  await expect(page.getByTestId("toast")).toHaveCount(0);
  expect(await redis.llen(keys.sessionMessages(sid))).toBe(1);
});

test("a broadcast arriving while the reader is up in the history gets a notice, below the header", async ({
  browser,
  request,
}) => {
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  const page = await phone.newPage();
  const sid = await openChat(page);
  await seedConversation(sid);
  await page.reload();
  await expect(page.locator('[data-testid="message"]')).toHaveCount(8);
  await readOlderMessages(page);

  const sent = await broadcast(request, { message: `No title on this one ${Date.now()}`, target: only(sid) });
  const toast = page.locator(`[data-testid="toast"][data-message-id="${sent.id}"]`);
  await expect(toast).toBeVisible();
  await expect(toast).toHaveAttribute("data-level", "info");
  // An untitled broadcast gets no made-up title ("Info"): its text is the notice.
  await expect(toast.getByTestId("toast-title")).toHaveCount(0);
  await expect(toast).toContainText("Info · New announcement");
  await settled(page);
  // The header (and its connection status) stays visible above the notice.
  const header = (await page.locator("header").first().boundingBox())!;
  expect((await toast.boundingBox())!.y).toBeGreaterThanOrEqual(header.y + header.height);

  // Followed to its place in the chat: the notice goes, the message is highlighted in view.
  await toast.getByRole("button", { name: "View in chat" }).click();
  await expect(toast).toHaveCount(0);
  await expect(messageById(page, sent.id)).toHaveAttribute("data-highlighted", "true");
  await expect(messageById(page, sent.id)).toBeInViewport();

  // Another one, dismissed.
  await readOlderMessages(page);
  const next = await broadcast(request, { message: "and another", title: "Second", target: only(sid) });
  const second = page.locator(`[data-testid="toast"][data-message-id="${next.id}"]`);
  await expect(second.getByTestId("toast-title")).toHaveText("Second");
  await second.getByTestId("toast-dismiss").click();
  await expect(second).toHaveCount(0);
  await phone.close();
});

test("the user sends a message: it is stored in the session's list and shown", async ({ page }) => {
  const sid = await openChat(page);
  const text = `Hello there ${Date.now()}`;
  await page.getByTestId("composer-input").fill(text);
  await page.getByTestId("composer-input").press("Enter");

  const bubble = page.locator('[data-testid="message"][data-type="user"]', { hasText: text });
  await expect(bubble).toBeVisible();
  await expect(page.getByTestId("composer-input")).toHaveValue("");
  await expect(page.locator('[data-type="pending"]')).toHaveCount(0);

  const stored = (await redis.lrange(keys.sessionMessages(sid), 0, -1)).map((s) => JSON.parse(s));
  expect(stored).toHaveLength(1);
  expect(stored[0]).toMatchObject({ type: "user", message: text });
  expect(await bubble.getAttribute("data-message-id")).toBe(stored[0].id);
  expect(await redis.ttl(keys.sessionMessages(sid))).toBeGreaterThan(0);

  // Shift+Enter makes a new line instead of sending.
  await page.getByTestId("composer-input").fill("line one");
  await page.getByTestId("composer-input").press("Shift+Enter");
  await page.getByTestId("composer-input").pressSequentially("line two");
  await page.getByTestId("composer-send").click();
  await expect(page.locator('[data-type="user"]', { hasText: "line two" })).toBeVisible();
  expect(JSON.parse((await redis.lindex(keys.sessionMessages(sid), -1))!).message).toBe("line one\nline two");

  await page.reload();
  await expect(page.locator('[data-type="user"]')).toHaveCount(2);
});

test("the end-user API takes the session from the cookie only", async ({ browser, page, request }) => {
  const sid = await openChat(page);
  const otherContext = await browser.newContext();
  const other = await openChat(await otherContext.newPage());
  await otherContext.close();
  const cookie = `herald_sid=${sid}`;

  // A body naming another session is ignored: the message lands in the cookie's session.
  const res = await request.post("/chat/api/messages", {
    headers: { cookie, origin: E2E_BASE_URL },
    data: { message: "mine", sessionId: other },
  });
  expect(res.status()).toBe(201);
  expect(await redis.llen(keys.sessionMessages(sid))).toBe(1);
  expect(await redis.exists(keys.sessionMessages(other))).toBe(0);

  const foreign = await request.post("/chat/api/messages", {
    headers: { cookie, origin: "https://evil.example" },
    data: { message: "forged" },
  });
  expect(foreign.status()).toBe(403);
  const anonymous = await request.get("/chat/api/messages", { headers: { cookie: "herald_sid=nope" } });
  expect(anonymous.status()).toBe(401);
  const empty = await request.post("/chat/api/messages", {
    headers: { cookie, origin: E2E_BASE_URL },
    data: { message: "   " },
  });
  expect(empty.status()).toBe(400);
  const history = await request.get("/chat/api/messages", { headers: { cookie } });
  expect((await history.json()).messages).toMatchObject([{ kind: "message", message: { message: "mine" } }]);
});

test("several sessions, and several tabs of one session, all get the broadcast", async ({
  browser,
  page,
  request,
}) => {
  await openChat(page);
  const tab2 = await page.context().newPage();
  await openChat(tab2);
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await openChat(otherPage);
  expect(await sessionId(other)).not.toBe(await sessionId(page.context()));

  const sent = await broadcast(request, { message: `For everyone ${Date.now()}`, level: "success" });
  for (const p of [page, tab2, otherPage]) {
    await expect(messageById(p, sent.id)).toBeVisible();
    await expect(messageById(p, sent.id)).toHaveAttribute("data-level", "success");
  }
  await other.close();
});

test("offline during a broadcast: it appears once back online, without a reload", async ({
  page,
  request,
}) => {
  const sid = await openChat(page);
  await page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });

  await page.context().setOffline(true);
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "offline");
  await expect(page.getByTestId("offline-banner")).toBeVisible();

  const sent = await broadcast(request, {
    message: `Sent while you were away ${Date.now()}`,
    level: "info",
    target: only(sid),
  });
  expect(sent.stored).toBe(1);
  // Chromium's emulated offline keeps an open WebSocket but holds its frames; the page
  // drops the socket on `offline`. The broadcast has ended (its live push went out first) and
  // its record is still "stored": no client acknowledged it, so the page did not get it.
  expect((await deliveryOf(request, sent.id, sid))?.status).toBe("stored");
  await expect(messageById(page, sent.id)).toHaveCount(0);

  await page.context().setOffline(false);
  await expect(messageById(page, sent.id)).toBeVisible();
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "live");
  await expect(messageById(page, sent.id)).toHaveCount(1);
  // It arrives at the end of the list, in view: highlighted, not announced twice.
  await expect(messageById(page, sent.id)).toHaveAttribute("data-highlighted", "true");
  await expect(page.getByTestId("toast")).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
});

test("the delivery record becomes delivered, then seen once the page is visible", async ({
  page,
  request,
}) => {
  // Let the test hide and show the page (a headless page is always visible otherwise).
  await page.addInitScript(() => {
    const w = window as unknown as { __hidden?: boolean };
    Object.defineProperty(Document.prototype, "visibilityState", {
      configurable: true,
      get: () => (w.__hidden ? "hidden" : "visible"),
    });
    Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => !!w.__hidden });
  });
  const setHidden = (hidden: boolean) =>
    page.evaluate((h) => {
      (window as unknown as { __hidden?: boolean }).__hidden = h;
      document.dispatchEvent(new Event("visibilitychange"));
    }, hidden);

  const sid = await openChat(page);
  await setHidden(true);
  const sent = await broadcast(request, { message: `Please read me ${Date.now()}`, target: only(sid) });
  expect((await deliveryOf(request, sent.id, sid))?.status).toMatch(/stored|delivered/);

  await expect.poll(async () => (await deliveryOf(request, sent.id, sid))?.status).toBe("delivered");

  // In the page but not visible to anyone: not seen until the page shows. The record's seenAt
  // proves it: it is later than the moment the page became visible.
  const shownAt = Date.now();
  await setHidden(false);
  await expect.poll(async () => (await deliveryOf(request, sent.id, sid))?.status).toBe("seen");
  const record = await deliveryOf(request, sent.id, sid);
  expect(Date.parse(record!.seenAt!)).toBeGreaterThanOrEqual(shownAt);

  const counts = await (
    await request.get(`/api/broadcasts/${sent.id}`, { headers: { authorization: `Bearer ${token}` } })
  ).json();
  expect(counts).toMatchObject({ delivered: 1, seen: 1 });
});

test("markup in a broadcast or a legacy entry is shown as text", async ({ page, request }) => {
  let dialogs = 0;
  page.on("dialog", (d) => {
    dialogs++;
    void d.dismiss();
  });
  const sid = await openChat(page);
  const payload = "<img src=x onerror=alert(1)>";
  const sent = await broadcast(request, {
    message: payload,
    title: "<script>alert(2)</script>",
    level: "error",
    target: only(sid),
  });
  const card = messageById(page, sent.id);
  await expect(card.getByTestId("message-text")).toHaveText(payload);
  await expect(card.getByTestId("message-title")).toHaveText("<script>alert(2)</script>");
  await expect(card).toHaveAttribute("data-level", "error");

  // A legacy element (not Herald's JSON) is shown raw, also as text.
  await redis.rpush(keys.sessionMessages(sid), "legacy <b>bold</b> <img src=y onerror=alert(3)>");
  await page.reload();
  await expect(page.getByText(payload, { exact: true })).toBeVisible();
  await expect(page.locator('[data-type="raw"] [data-testid="message-text"]')).toHaveText(
    "legacy <b>bold</b> <img src=y onerror=alert(3)>",
  );
  await expect(page.getByTestId("message-list").locator("img, script, b")).toHaveCount(0);
  // No element that could run the payload exists anywhere on the page, so no dialog can come later.
  await expect(page.locator("img[src=x], img[src=y], script:text('alert')")).toHaveCount(0);
  expect(dialogs).toBe(0);
});

test("after a server restart the page reconnects by itself and shows what it missed", async ({
  page,
  request,
}) => {
  test.setTimeout(120_000);
  // A second Herald process on the same Redis, so this test can stop and start it.
  const port = Number(new URL(E2E_BASE_URL).port) + 7;
  const base = `http://127.0.0.1:${port}`;
  let server = await startServer(port);
  try {
    const sid = await openChat(page, `${base}/`);
    const before = await broadcast(request, { message: `Before ${Date.now()}`, target: only(sid) });
    await expect(messageById(page, before.id)).toBeVisible();

    await stopServer(server);
    await expect(page.getByTestId("connection-status")).not.toHaveAttribute("data-status", "live");
    // Sent through the other instance while this one is down: stored, but nobody is connected.
    const missed = await broadcast(request, { message: `While restarting ${Date.now()}`, target: only(sid) });
    server = await startServer(port);

    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "live", {
      timeout: 20_000,
    });
    await expect(messageById(page, missed.id)).toBeVisible();
    await expect(messageById(page, missed.id)).toHaveCount(1);
    await expect(messageById(page, before.id)).toHaveCount(1);
  } finally {
    await stopServer(server);
  }
});

test("screenshots: desktop and phone", async ({ browser, request }) => {
  const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await desktop.newPage();
  const sid = await openChat(page);
  await seedConversation(sid);
  await page.reload();
  await expect(page.locator('[data-testid="message"]')).toHaveCount(8);
  await page.screenshot({ path: path.join(ARTIFACTS, "chat-desktop.png") });

  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const mobile = await phone.newPage();
  const phoneSid = await openChat(mobile);
  await seedConversation(phoneSid);
  await mobile.reload();
  await expect(mobile.locator('[data-testid="message"]')).toHaveCount(8);
  await mobile.screenshot({ path: path.join(ARTIFACTS, "chat-phone.png") });
  // Nothing wider than the screen.
  expect(await mobile.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  // Both readers are up in the history, so the new broadcast gets a notice.
  await readOlderMessages(page);
  await readOlderMessages(mobile);
  const sent = await broadcast(request, {
    title: "Scheduled maintenance",
    message: "Chat will be unavailable from 22:00 to 22:15 UTC tonight.",
    level: "warning",
    target: { type: "sessions", ids: [sid, phoneSid] },
  });
  await expect(mobile.locator(`[data-testid="toast"][data-message-id="${sent.id}"]`)).toBeVisible();
  await expect(page.locator(`[data-testid="toast"][data-message-id="${sent.id}"]`)).toBeVisible();
  await settled(page);
  await settled(mobile);
  await mobile.screenshot({ path: path.join(ARTIFACTS, "chat-phone-toast.png") });
  await page.screenshot({ path: path.join(ARTIFACTS, "chat-desktop-toast.png") });

  await phone.close();
  await desktop.close();
});

/** A believable conversation: user messages, one broadcast per level, a legacy entry; two days. */
async function seedConversation(sid: string): Promise<void> {
  const day = 86_400_000;
  const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
  const user = (id: string, message: string, msAgo: number) =>
    JSON.stringify({ id, type: "user", message, createdAt: at(msAgo) });
  const bc = (id: string, level: string, title: string, message: string, msAgo: number) =>
    JSON.stringify({ id, type: "broadcast", title, message, level, broadcastId: id, createdAt: at(msAgo) });
  const u = () => crypto.randomUUID();
  await redis.rpush(
    keys.sessionMessages(sid),
    "Welcome back! (a message from the old chat app)",
    user(u(), "Hi! I can't find my invoice from last month.", day + 60_000 * 50),
    bc(
      u(),
      "info",
      "New feature",
      "You can now download invoices as PDF from Settings → Billing.",
      day + 60_000 * 45,
    ),
    user(u(), "Found it, thanks!", day + 60_000 * 40),
    bc(u(), "success", "Incident resolved", "Payments are processing normally again.", 60_000 * 90),
    bc(
      u(),
      "warning",
      "Maintenance Alert",
      "System maintenance in 5 minutes. You may be signed out briefly; unsent messages are kept.",
      60_000 * 30,
    ),
    bc(u(), "error", "Degraded performance", "Message delivery is delayed by up to 2 minutes.", 60_000 * 12),
    user(u(), "Is everything okay on your side? My messages seem slow.", 60_000 * 5),
  );
}

function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...E2E_SERVER_ENV, PORT: String(port), REDIS_URL: E2E_REDIS_URL },
    stdio: "ignore",
  });
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const poll = async () => {
      if (child.exitCode !== null) return reject(new Error(`server exited with ${child.exitCode}`));
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/health`);
        if (res.ok) return resolve(child);
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        return reject(new Error("server did not become healthy"));
      }
      setTimeout(poll, 200);
    };
    void poll();
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
