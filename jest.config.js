// `feed` (and parse5, used by the tests) ship ES modules only; @swc/jest compiles them,
// and our TypeScript, to CommonJS so Jest loads current versions without
// --experimental-vm-modules.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Tests that cross a local S3 API take seconds; on a loaded 2-core machine, more.
  testTimeout: 30_000,
  roots: ['<rootDir>/test'],
  // Browser tests need Chromium: `npm run test:browser` (CI installs it).
  testPathIgnorePatterns: [
    ...(process.env.FEEDGEN_BROWSER_TESTS ? [] : ['/test/browser/']),
    // Fault injection, crashes, races, hostile input, fuzzing: `npm run test:faults`.
    ...(process.env.FEEDGEN_FAULT_TESTS ? [] : ['/test/faults/']),
  ],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(feed|parse5|entities)/)'],
};
