import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { type Browser, expect, type Page, test } from "@playwright/test";
import type { Redis } from "ioredis";
import { PROJECT_ROOT } from "./env";
import {
  apiToken,
  connectRedis,
  keys,
  openChat,
  seedSessions,
  sendBroadcast,
  signIn,
  unique,
} from "./support";

/**
 * Accessibility: axe on every page people use (the chat page, sign-in, and the console's
 * dashboard, compose, report, history, sessions and session detail), in light and dark mode,
 * on a desktop and a 390×844 phone. No serious or critical violation may remain. Each page is
 * also saved as a screenshot (e2e/.artifacts/walk) for people to look at, with every violation
 * found, whatever its impact (axe-<viewport>-<scheme>.json).
 */
const WALK = path.join(PROJECT_ROOT, "e2e", ".artifacts", "walk");
mkdirSync(WALK, { recursive: true });

const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
const SCHEMES = ["light", "dark"] as const;

let redis: Redis;
let token: string;
const seeded = { sessionId: "", broadcastId: "", title: "" };

test.beforeAll(async ({ request }) => {
  redis = await connectRedis();
  token = await apiToken(redis, "a11y");
  const chatty = Array.from({ length: 3 }, (_, i) => unique(`a11y-chatty-${i}`));
  const empty = unique("a11y-empty");
  await seedSessions(redis, { chatty, empty: [empty] });
  seeded.title = unique("Accessibility check");
  const sent = await sendBroadcast(request, token, {
    title: seeded.title,
    message: "Scheduled maintenance tonight from 22:00 to 22:15 UTC. Unsent messages are kept.",
    level: "warning",
    target: { type: "sessions", ids: [...chatty, empty, unique("a11y-missing")] },
  });
  seeded.broadcastId = sent.id;
  seeded.sessionId = chatty[0]!;
});
test.afterAll(async () => {
  await redis?.quit();
});

/** A conversation on a chat session: user messages and one broadcast of each level. */
async function seedConversation(sid: string): Promise<void> {
  const at = (minAgo: number) => new Date(Date.now() - minAgo * 60_000).toISOString();
  const user = (message: string, minAgo: number) =>
    JSON.stringify({ id: crypto.randomUUID(), type: "user", message, createdAt: at(minAgo) });
  const bc = (level: string, title: string | undefined, message: string, minAgo: number) => {
    const id = crypto.randomUUID();
    return JSON.stringify({
      id,
      type: "broadcast",
      title,
      message,
      level,
      broadcastId: id,
      createdAt: at(minAgo),
    });
  };
  await redis.rpush(
    keys.sessionMessages(sid),
    "Welcome back! (a message from the old chat app)",
    user("Hi! I can't find my invoice from last month.", 300),
    bc("info", "New feature", "Invoices can now be downloaded as PDF from Settings → Billing.", 290),
    user("Found it, thanks!", 280),
    bc("success", undefined, "Payments are processing normally again.", 90),
    bc("warning", "Maintenance Alert", "System maintenance in 5 minutes.", 30),
    bc("error", "Degraded performance", "Message delivery is delayed by up to 2 minutes.", 12),
  );
}

type Visit = { name: string; url: string; ready: (page: Page) => Promise<void> };

const consolePages = (): Visit[] => [
  {
    name: "dashboard",
    url: "/admin",
    ready: (p) => expect(p.getByTestId("stat-total").locator("dd").first()).toHaveText(/^[\d,]+$/),
  },
  {
    name: "compose",
    url: "/admin/broadcasts/new",
    ready: (p) => expect(p.getByTestId("preview-total")).toHaveText(/^[\d,]+$/),
  },
  {
    name: "report",
    url: `/admin/broadcasts/${seeded.broadcastId}`,
    ready: async (p) => {
      await expect(p.getByRole("heading", { level: 1, name: seeded.title })).toBeVisible();
      await expect(p.getByRole("table", { name: "Deliveries" }).locator("tbody tr").first()).toBeVisible();
    },
  },
  {
    name: "history",
    url: "/admin/broadcasts",
    ready: (p) =>
      expect(p.getByRole("table", { name: "Broadcasts" }).locator("tbody tr").first()).toBeVisible(),
  },
  {
    name: "sessions",
    url: "/admin/sessions",
    ready: (p) =>
      expect(p.getByRole("table", { name: "Sessions" }).locator("tbody tr").first()).toBeVisible(),
  },
  {
    name: "session-detail",
    url: `/admin/sessions/${seeded.sessionId}`,
    ready: (p) => expect(p.getByRole("list", { name: "Messages" })).toContainText(seeded.title),
  },
  {
    name: "settings",
    url: "/admin/settings",
    ready: async (p) => {
      await expect(p.getByRole("table", { name: "Admins" }).locator("tbody tr").first()).toBeVisible();
      await expect(p.getByRole("table", { name: "API tokens" }).locator("tbody tr").first()).toBeVisible();
    },
  },
];

interface Found {
  page: string;
  viewport: string;
  scheme: string;
  violations: {
    id: string;
    impact: string | null | undefined;
    nodes: number;
    help: string;
    /** The first few elements and why they fail (colours and ratio for contrast). */
    where: string[];
  }[];
}

async function check(page: Page, visit: Visit, viewport: string, scheme: string): Promise<Found> {
  await visit.ready(page);
  // Wait for transitions (toasts, skeletons fading) so colours are measured at rest.
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {}))));
  await page.screenshot({ path: path.join(WALK, `${viewport}-${scheme}-${visit.name}.png`), fullPage: true });
  const result = await new AxeBuilder({ page }).analyze();
  const found: Found = {
    page: visit.name,
    viewport,
    scheme,
    violations: result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.length,
      help: v.help,
      where: v.nodes
        .slice(0, 6)
        .map((n) => `${n.target.join(" ")} :: ${n.any[0]?.message ?? n.failureSummary ?? ""}`),
    })),
  };
  return found;
}

async function walk(browser: Browser, viewport: keyof typeof VIEWPORTS, scheme: (typeof SCHEMES)[number]) {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport] });
  const page = await context.newPage();
  await page.emulateMedia({ colorScheme: scheme });
  const results: Found[] = [];

  const sid = await openChat(page);
  await seedConversation(sid);
  results.push(
    await check(
      page,
      {
        name: "chat",
        url: "/",
        ready: async (p) => {
          await p.reload();
          await expect(p.getByTestId("connection-status")).toHaveAttribute("data-status", "live");
          await expect(p.locator('[data-testid="message"]')).toHaveCount(7);
        },
      },
      viewport,
      scheme,
    ),
  );

  await page.goto("/admin/sign-in");
  results.push(
    await check(
      page,
      {
        name: "sign-in",
        url: "/admin/sign-in",
        ready: (p) => expect(p.getByRole("button", { name: "Sign in" })).toBeVisible(),
      },
      viewport,
      scheme,
    ),
  );

  await signIn(page);
  for (const visit of consolePages()) {
    await page.goto(visit.url);
    results.push(await check(page, visit, viewport, scheme));
  }
  await context.close();
  writeFileSync(path.join(WALK, `axe-${viewport}-${scheme}.json`), `${JSON.stringify(results, null, 2)}\n`);

  const serious = results.flatMap((r) =>
    r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${r.page}: ${v.id} (${v.impact}, ${v.nodes} nodes) ${v.help}`),
  );
  expect(serious, `serious or critical axe violations, ${viewport} ${scheme}`).toEqual([]);
  // Landmarks were missing before: every page has its main region now.
  expect(
    results.filter((r) => r.violations.some((v) => v.id === "landmark-one-main")).map((r) => r.page),
  ).toEqual([]);
}

test.describe("no serious or critical axe violation", () => {
  test.describe.configure({ timeout: 180_000 });
  for (const viewport of Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[]) {
    for (const scheme of SCHEMES) {
      test(`${viewport}, ${scheme} mode`, async ({ browser }) => {
        await walk(browser, viewport, scheme);
      });
    }
  }
});
