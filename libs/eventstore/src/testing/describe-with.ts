/** What a suite needs and, when it cannot be had, why. */
export interface Requirement {
  /** Why the dependency cannot be had here; undefined when it can. */
  readonly missing: string | undefined;
  /** The failing test's name under `REQUIRE_INFRA=1`, e.g. `has a Kafka broker`. */
  readonly has: string;
  /** Why the dependency may be missing even under `REQUIRE_INFRA=1`: then it is a skip there too, saying this. */
  readonly exemptBecause?: string;
}

/**
 * `describe` for suites that need a real dependency: runs them when it can be had, skips them with the
 * reason otherwise, and under `REQUIRE_INFRA=1` (CI) turns the skip into a failing test, unless the
 * dependency is exempt.
 */
export function describeWith(name: string, requirement: Requirement, body: () => void): void {
  const { missing, has, exemptBecause } = requirement;
  if (missing === undefined) {
    describe(name, body);
    return;
  }
  const required = process.env.REQUIRE_INFRA === '1';
  if (required && exemptBecause === undefined) {
    describe(name, () => {
      test(`${has} (REQUIRE_INFRA=1)`, () => {
        throw new Error(`REQUIRE_INFRA=1 but ${missing}`);
      });
    });
    return;
  }
  const reason = required ? `${missing} ${exemptBecause}` : missing;

  console.warn(`Skipping "${name}": ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, body);
}
