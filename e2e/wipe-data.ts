// Run before the e2e server starts (playwright.config.ts webServer.command): every run begins
// with an empty data dir, hence an empty embedded Redis. Playwright starts the webServer before
// globalSetup, so the wipe cannot live there without pulling the floor from under the server.
import { rmSync } from "node:fs";
import path from "node:path";
import { E2E_DATA_DIR, PROJECT_ROOT } from "./env";

/** Refuse anything that is not strictly inside the project's .data directory. */
export function assertInsideDataRoot(target: string): void {
  const dataRoot = path.join(PROJECT_ROOT, ".data");
  const rel = path.relative(dataRoot, path.resolve(target));
  if (!rel || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new Error(`refusing to wipe ${target}: not inside ${dataRoot}`);
  }
}

assertInsideDataRoot(E2E_DATA_DIR);
rmSync(E2E_DATA_DIR, { recursive: true, force: true });
