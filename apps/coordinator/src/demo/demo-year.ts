import prand from 'pure-rand';
import { AgeGroup, ContactType, ExploitationForm, Gender, InvestigationOutcome, Offence, SubjectCategory, SupportKind, Verdict } from '../cases/case.model';

/**
 * A believable year of a city like Malmö, planned from a seed and then recorded through the real HTTP API, so
 * that the statistics, the pages and the benchmarks have data to show. The proportions are the regional
 * coordinator's: about 110 sex buyers and their relatives, 127 sex sellers and their relatives, and 50 victims
 * of whom half are children, mostly from the Baltics, Eastern Europe and West Africa. The plan is data: what it
 * holds is what was recorded, so a test can count the figures from it without the service.
 */
export interface PlannedPerson {
  readonly key: string;
  readonly category: SubjectCategory;
  readonly ageGroup: AgeGroup;
  readonly gender: Gender;
  readonly originCountry: string;
  readonly exploitation: ExploitationForm | null;
  readonly contact: ContactType;
  /** The agency that opens the case. */
  readonly lead: string;
  readonly support: readonly SupportKind[];
  /** For a victim: whether she cooperated with the police (recorded either way). */
  readonly cooperated: boolean | null;
  readonly investigation: { readonly outcome: InvestigationOutcome | 'open' } | null;
  /** For a victim from outside the EU/EEA: a reflection period applied for, and granted or not. */
  readonly reflectionPeriod: { readonly granted: boolean } | null;
  /** For one who cooperates in an investigation too: a residence permit applied for, and granted or not. */
  readonly residencePermit: { readonly granted: boolean } | null;
  /** For an investigation handed to the prosecutor: the one defendant's charge and judgment. */
  readonly prosecution: { readonly charge: Offence; readonly verdict: Verdict; readonly prisonMonths: number | null; readonly decidedOn: string } | null;
}

export interface PlannedYear {
  readonly seed: number;
  readonly people: readonly PlannedPerson[];
}

const POLICE = 'polisen-malmo';
const SOCIAL = 'socialtjansten-malmo';
const PROSECUTOR = 'aklagare-internationella';
const MIGRATION = 'migrationsverket-stockholm';
/** Countries of the plan outside the EU/EEA, whose citizens a reflection period and a permit are for. */
const THIRD_COUNTRIES = new Set(['UA', 'NG', 'GH', 'TH']);

type Draw = <T>(choices: readonly (readonly [T, number])[]) => T;

/** The year's plan: the same seed gives the same plan. `scale` shrinks or grows every count (1 = a year of Malmö). */
export function planYear(seed: number, scale = 1, today = new Date()): PlannedYear {
  let rng = prand.xoroshiro128plus(seed);
  const uniform = (): number => {
    const [value, next] = prand.uniformIntDistribution(0, 1_000_000 - 1, rng);
    rng = next;
    return value / 1_000_000;
  };
  const draw: Draw = (choices) => {
    const total = choices.reduce((n, [, weight]) => n + weight, 0);
    let at = uniform() * total;
    for (const [choice, weight] of choices) if ((at -= weight) < 0) return choice;
    return choices[choices.length - 1][0];
  };
  const chance = (p: number) => uniform() < p;
  const between = (low: number, high: number) => low + Math.floor(uniform() * (high - low + 1));
  const dayThisYear = () => {
    const start = Date.UTC(today.getUTCFullYear(), 0, 1);
    return new Date(start + Math.floor(uniform() * (today.getTime() - start))).toISOString().slice(0, 10);
  };
  const count = (n: number) => Math.max(1, Math.round(n * scale));
  const people: PlannedPerson[] = [];
  const add = (person: Omit<PlannedPerson, 'key'>) => people.push({ key: `${person.category}-${people.length + 1}`, ...person });

  const victimOrigin = () =>
    draw([
      ['EE', 8],
      ['LV', 5],
      ['LT', 5],
      ['RO', 14],
      ['BG', 8],
      ['UA', 4],
      ['NG', 13],
      ['GH', 3],
      ['SE', 3],
      ['TH', 4],
    ] as const);
  for (let i = 0; i < count(50); i++) {
    const supported = chance(0.7);
    const cooperated = chance(supported ? 0.65 : 0.25);
    const investigated = chance(cooperated ? 0.8 : 0.3);
    const outcome = investigated
      ? draw([
          ['handed-to-prosecutor', 5],
          ['discontinued', 3],
          ['open', 2],
        ] as const)
      : null;
    const convicted = chance(0.7);
    const originCountry = victimOrigin();
    const reflection = THIRD_COUNTRIES.has(originCountry) && chance(0.8);
    add({
      category: 'victim',
      ageGroup:
        i % 2 === 0
          ? 'child'
          : draw([
              ['adult', 9],
              ['unknown', 1],
            ] as const),
      gender: draw([
        ['female', 8],
        ['male', 2],
      ] as const),
      originCountry,
      exploitation: draw([
        ['sexual-exploitation', 8],
        ['forced-labour', 1],
        ['begging', 1],
      ] as const),
      contact: draw([
        ['referral', 7],
        ['outreach', 3],
      ] as const),
      lead: SOCIAL,
      support: supported
        ? pick(draw, ['shelter', 'protection', 'psychological', 'counselling-individual', 'legal-counsel', 'financial-aid'], between(1, 3))
        : [],
      cooperated,
      investigation: outcome === null ? null : { outcome },
      reflectionPeriod: reflection ? { granted: chance(0.85) } : null,
      residencePermit: reflection && cooperated && outcome !== null ? { granted: chance(0.8) } : null,
      prosecution:
        outcome === 'handed-to-prosecutor'
          ? {
              charge: draw([
                ['trafficking-in-human-beings', 5],
                ['gross-procuring', 3],
                ['purchase-of-sexual-act-from-child', 2],
              ] as const),
              verdict: convicted ? 'convicted' : 'acquitted',
              prisonMonths: convicted ? between(6, 72) : null,
              decidedOn: dayThisYear(),
            }
          : null,
    });
  }
  const adult = (
    category: SubjectCategory,
    gender: readonly (readonly [Gender, number])[],
    origin: readonly (readonly [string, number])[],
    support: readonly SupportKind[],
  ) =>
    add({
      category,
      ageGroup: 'adult',
      gender: draw(gender),
      originCountry: draw(origin),
      exploitation: null,
      contact: draw([
        ['outreach', 6],
        ['referral', 4],
      ] as const),
      lead: SOCIAL,
      support: chance(0.8) ? pick(draw, support, between(1, 2)) : [],
      cooperated: null,
      investigation: null,
      reflectionPeriod: null,
      residencePermit: null,
      prosecution: null,
    });
  for (let i = 0; i < count(100); i++)
    adult(
      'sex-seller',
      [
        ['female', 85],
        ['male', 10],
        ['other', 5],
      ],
      [
        ['SE', 5],
        ['RO', 2],
        ['NG', 2],
        ['TH', 1],
      ],
      ['counselling-individual', 'counselling-group', 'outreach', 'health-care'],
    );
  for (let i = 0; i < count(27); i++)
    adult(
      'relative-of-sex-seller',
      [
        ['female', 6],
        ['male', 4],
      ],
      [
        ['SE', 8],
        ['RO', 2],
      ],
      ['counselling-individual'],
    );
  for (let i = 0; i < count(90); i++)
    adult(
      'sex-buyer',
      [
        ['male', 97],
        ['female', 3],
      ],
      [
        ['SE', 8],
        ['PL', 1],
        ['DK', 1],
      ],
      ['counselling-individual', 'counselling-group'],
    );
  for (let i = 0; i < count(20); i++)
    adult(
      'relative-of-sex-buyer',
      [
        ['female', 8],
        ['male', 2],
      ],
      [
        ['SE', 9],
        ['DK', 1],
      ],
      ['counselling-individual'],
    );
  return { seed, people };
}

function pick<T>(draw: Draw, from: readonly T[], n: number): T[] {
  const left = [...from];
  const picked: T[] = [];
  while (picked.length < n && left.length > 0) picked.push(left.splice(left.indexOf(draw(left.map((item) => [item, 1] as const))), 1)[0]);
  return picked;
}

/** The HTTP API as the demo uses it: a call as an agency, answered with its status and body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer, read by the shape each call expects
export type DemoApi = (agencyId: string, method: 'GET' | 'POST', path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** The service's HTTP API at `baseUrl`, each agency signing with the token `tokenOf` gives it. */
export function apiOverHttp(baseUrl: string, tokenOf: (agencyId: string) => Promise<string>): DemoApi {
  return async (agencyId, method, path, body) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${await tokenOf(agencyId)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** Records the plan through the API, `parallel` people at a time; resolves with the case id of each person. */
export async function recordYear(plan: PlannedYear, api: DemoApi, parallel = 8): Promise<Map<string, string>> {
  const cases = new Map<string, string>();
  const queue = [...plan.people];
  const today = new Date().toISOString().slice(0, 10);
  const call = async (agencyId: string, path: string, body: unknown) => {
    const reply = await api(agencyId, 'POST', path, body);
    if (reply.status !== 201 && reply.status !== 200) throw new Error(`${agencyId} POST ${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body;
  };
  const record = async (person: PlannedPerson) => {
    const { caseId } = await call(person.lead, '/cases', {
      subject: { category: person.category, ageGroup: person.ageGroup, gender: person.gender, originCountry: person.originCountry },
      exploitation: person.exploitation ?? undefined,
      contact: person.contact,
    });
    cases.set(person.key, caseId);
    const on = (path: string) => `/cases/${caseId}${path}`;
    for (const kind of person.support) await call(SOCIAL, on('/support'), { kind, providedOn: today });
    if (person.category !== 'victim') return;
    await call(SOCIAL, on('/team'), { agencyId: POLICE, reason: 'the victim may report the crime' });
    await call(POLICE, on('/cooperation'), { status: person.cooperated ? 'willing' : 'declined' });
    if (person.reflectionPeriod) {
      await call(SOCIAL, on('/team'), { agencyId: MIGRATION, reason: 'reflection period' });
      await call(SOCIAL, on('/citizenship'), { citizenship: person.originCountry });
      await call(SOCIAL, on('/reflection-period/application'), {});
      await call(MIGRATION, on('/reflection-period'), { granted: person.reflectionPeriod.granted });
    }
    if (!person.investigation) return;
    const { investigationId } = await call(POLICE, on('/investigations'), { reference: `5000-K${caseId.slice(-6)}-demo` });
    if (person.residencePermit) {
      await call(POLICE, on('/residence-permit/application'), { presenceNeeded: true, willToCooperate: true, tiesBroken: true });
      const { granted } = person.residencePermit;
      const until = new Date(Date.now() + 200 * 86_400_000).toISOString();
      await call(MIGRATION, on('/residence-permit'), granted ? { granted, until } : { granted });
    }
    if (person.investigation.outcome === 'open') return;
    await call(POLICE, on(`/investigations/${investigationId}/close`), { outcome: person.investigation.outcome });
    if (!person.prosecution) return;
    await call(SOCIAL, on('/team'), { agencyId: PROSECUTOR, reason: 'handed to the prosecutor' });
    const defendant = await call(POLICE, '/persons', { category: 'suspect', identity: { givenName: 'Demo', familyName: `Suspect ${person.key}` } });
    const { charge, verdict, prisonMonths, decidedOn } = person.prosecution;
    await call(PROSECUTOR, on('/prosecution'), { defendants: [{ personId: defendant.personId, charges: [charge] }] });
    await call(PROSECUTOR, on('/sentencing'), {
      defendantId: defendant.personId,
      court: 'Malmö tingsrätt',
      verdict,
      offences: [charge],
      sentence: prisonMonths === null ? undefined : { kind: 'prison', months: prisonMonths },
      appealed: false,
      decidedOn,
    });
  };
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let person = queue.shift(); person; person = queue.shift()) await record(person);
    }),
  );
  return cases;
}
