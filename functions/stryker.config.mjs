// Mutation testing of the security core (`npm run test:mutation`): StrykerJS mutates the files
// below and runs the unit tests against each mutant; a mutant no test notices is a behaviour the
// tests do not pin. Below 90 % the run fails.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  // The command runner: @stryker-mutator/mocha-runner 10.0 cannot load mocha 12 (it requires
  // mocha/lib/cli/run-helpers, now run-helpers.cjs; stryker-js issue #6205). Each mutant is one
  // mocha process over the unit tests of the mutated files (test/.mocharc.mutation.json, with
  // tsx as its loader and --bail), about 2 s, instead of the whole unit suite.
  testRunner: "command",
  commandRunner: { command: "node node_modules/mocha/bin/mocha.js --config test/.mocharc.mutation.json" },
  coverageAnalysis: "off",
  mutate: [
    "src/domain/throttle.ts",
    "src/domain/password-policy.ts",
    "src/domain/email.ts",
    "src/domain/session.ts",
    "src/domain/refresh.ts",
    "src/domain/login.ts",
    "src/domain/tokens.ts",
    "src/domain/ids.ts",
    "src/http/client-address.ts",
    "src/http/cors.ts",
    "src/domain/codes.ts",
    "src/domain/password-reset.ts",
    "src/domain/email-verification.ts",
    "src/domain/email-change.ts",
  ],
  checkers: [],
  concurrency: 1,
  tempDirName: ".stryker-tmp",
  ignorePatterns: ["lib", "reports", "test/emulator"],
  reporters: ["clear-text", "progress", "html"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  thresholds: { high: 95, low: 90, break: 90 },
};
