// `feed` (and parse5, used by the tests) ship ES modules only; @swc/jest compiles them,
// and our TypeScript, to CommonJS so Jest loads current versions without
// --experimental-vm-modules.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // Browser tests need Chromium: `npm run test:browser` (CI installs it).
  testPathIgnorePatterns: process.env.FEEDGEN_BROWSER_TESTS ? [] : ['/test/browser/'],
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
