// Jest runs the TypeScript sources as native ES modules (ts-jest ESM mode); type checking is
// done once by `npm run typecheck`, so ts-jest only transpiles (isolatedModules).
const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }]
  }
}

// Coverage is collected by `npm test -- --coverage` (as .ci/run runs it), not by every `npm test`:
// the thresholds hold for the whole suite, so a run of one test file would fail them. The end-to-end
// tests run dist/index.js in child processes, which report no coverage: the figures are the unit
// tests'. Each threshold sits just under the figure the suite reached when it was set (src/ without
// the emulators); raise it when a folder gains tests, never lower it to let a change in.
const coverage = {
  collectCoverageFrom: ['src/**/*.ts'],
  coverageReporters: ['text-summary', 'json-summary'],
  coverageThreshold: {
    './src/github/': { statements: 88, branches: 78, functions: 93, lines: 90 },
    './src/review/': { statements: 92, branches: 89, functions: 93, lines: 93 },
    './src/rivya/': { statements: 93, branches: 87, functions: 95, lines: 95 },
    './src/inputs.ts': { statements: 97, branches: 97, functions: 95, lines: 97 }
    // No global figure: what is left (main.ts, outputs.ts, index.ts) runs only in the end-to-end
    // child processes today.
  }
}

/** @type {import('jest').Config} */
export default {
  ...coverage,
  // Jest's default is one worker fewer than the cores: one on a 2-core runner. Most suites wait
  // (child processes, servers on loopback, Octokit's spacing of writes), so four keep two cores
  // busy: the whole suite in about a third of the time, measured on the 2-core CI machine.
  maxWorkers: 4,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
      testPathIgnorePatterns: ['/__tests__/e2e/']
    },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'] }
  ]
}
