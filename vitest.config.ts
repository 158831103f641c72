import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // `import … from 'ringmon'` inside the repository resolves to the sources, so tests need no build.
    alias: { ringmon: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Live tests measure this machine's CPU and disk; running files one after another keeps them honest.
    fileParallelism: false,
  },
});
