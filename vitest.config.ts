import { defineConfig } from "vitest/config";
import LongFilesFirst from "./tests/support/long-files-first.ts";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // The tests' temporary folders on a RAM file system when there is one (global-setup.ts).
    globalSetup: ["tests/support/global-setup.ts"],
    // The long property tests start first, one on each worker (long-files-first.ts).
    sequence: { sequencer: LongFilesFirst },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
