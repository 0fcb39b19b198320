import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("./", import.meta.url));

export default defineConfig({
  resolve: {
    // Same alias as tsconfig's paths, for modules that import "@/lib/…".
    alias: { "@/": root },
  },
  test: {
    environment: "node",
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "components/**/*.test.ts", "components/**/*.test.tsx"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 60_000,
          // Starting a production server (and its Redis) can take most of a minute on 2 cores.
          hookTimeout: 120_000,
          // Files may each start a Next server: running them one at a time keeps the 2 cores usable.
          fileParallelism: false,
        },
      },
    ],
  },
});
