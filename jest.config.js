/**
 * Three tiers, told apart by suffix: *.spec.ts (pure), *.int-spec.ts (real store, real brokers and
 * databases), *.e2e-spec.ts (the running service over HTTP). `npm test` runs them all.
 */
const swc = ['@swc/jest', require('./scripts/swc-options')];

const moduleNameMapper = {
  '^@samverkan/(common|sealing|eventstore|ledger|messaging|vault)$': '<rootDir>/libs/$1/src',
  '^@samverkan/(common|sealing|eventstore|ledger|messaging|vault|sql)/(.*)$': '<rootDir>/libs/$1/src/$2',
};

const tier = (displayName, suffix, extra = {}) => ({
  displayName,
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testMatch: [`<rootDir>/{apps,libs,test}/**/*.${suffix}.ts`],
  ...extra,
});

// A Kafka broker is started only when a suite asks for one, and stopped after the run if the run started it;
// an EventStoreDB is started for the run where Docker answers. Set up once for both projects.
const services = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

module.exports = {
  projects: [tier('unit', 'spec'), tier('integration', 'int-spec', services), tier('e2e', 'e2e-spec', services)],
};
