import { expect, type Page } from "@playwright/test";
import { E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD } from "./env";

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
