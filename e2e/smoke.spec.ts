import { expect, test } from "@playwright/test";

test("health check answers 200", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
});

test("chat page answers 200", async ({ page }) => {
  const res = await page.goto("/");
  expect(res?.status()).toBe(200);
});
