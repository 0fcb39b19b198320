import { defineConfig, devices } from "@playwright/test";
import { E2E_BASE_URL, E2E_SERVER_ENV, PROJECT_ROOT } from "./e2e/env";

export default defineConfig({
  testDir: "e2e",
  outputDir: "e2e/.artifacts",
  // One server, one embedded Redis, 2 cores: specs run one at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  reporter: process.env.CI ? "line" : "list",
  use: {
    baseURL: E2E_BASE_URL,
    headless: true,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      // Debian's Chromium: `npx playwright install` cannot download browsers here.
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: {
    // The production custom server (needs `next build` first), on a freshly wiped data dir.
    command: "node --import tsx e2e/wipe-data.ts && exec node --import tsx server/index.ts",
    cwd: PROJECT_ROOT,
    url: `${E2E_BASE_URL}/api/health`,
    env: E2E_SERVER_ENV,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
  },
});
