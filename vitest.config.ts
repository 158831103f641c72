import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // `import … from 'ringmon'` (and its subpaths) inside the repository resolves to the sources, so
    // tests need no build. Exact matches: a plain 'ringmon' alias would also rewrite 'ringmon/docker'.
    alias: [
      { find: /^ringmon$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      {
        find: /^ringmon\/store$/,
        replacement: fileURLToPath(new URL('./src/store/index.ts', import.meta.url)),
      },
      {
        find: /^ringmon\/docker$/,
        replacement: fileURLToPath(new URL('./src/collect/docker/index.ts', import.meta.url)),
      },
      { find: /^ringmon\/web$/, replacement: fileURLToPath(new URL('./src/web/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Live tests measure this machine's CPU and disk; running files one after another keeps them honest.
    fileParallelism: false,
  },
});
