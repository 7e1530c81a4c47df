import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import react from '@vitejs/plugin-react';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Electronegativity asks GitHub for translations on every scan and says so when it cannot reach it.
const OFFLINE_NOTICES = ['Could not retrieve updated translations for the current locale'];

export default defineConfig({
  test: {
    // Limits that catch a hang, not slowness: tests that run models, convert them or start several CLI
    // processes take 10–15 s alone and passed 60 s when the machine had ~6 times more work than cores.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // expect.poll waits for a state (a screen after an IPC round trip); its default 1 s is short on a busy machine
    expect: { poll: { timeout: 15_000 } },
    // Image work is CPU-bound; two workers match the two cores CI has.
    maxWorkers: 2,
    // The AWS SDK's documented switch for its "Node 22 from 2027" notice (the CLI sets it too; see README).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // Known offline notices from third-party code, matched exactly; anything else is printed.
    onConsoleLog: (log) => !OFFLINE_NOTICES.includes(log.trim()),
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          // Real model weights for the import parity tests: npm pack into a cache outside the repo.
          globalSetup: ['scripts/fetch-test-models.ts'],
        },
      },
      {
        extends: true,
        plugins: [react()],
        test: {
          name: 'components',
          include: ['renderer/**/*.browser.test.tsx'],
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: {
                executablePath: CHROMIUM,
                args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
