import { OPERATIONAL_KINDS } from '../agencies/agency';
import {
  CARE_SUPPORT_KINDS,
  CONTENT_ACCESS,
  EVENT_CATEGORY,
  Grant,
  IDENTITY_ACCESS,
  INFO_CATEGORIES,
  InfoCategory,
  LEGAL_BASES,
  READ_VIEWS,
  READER_STANDINGS,
  VIEW_ACCESS,
} from './case.access';

/**
 * The access table as the README's "Who sees what" section: rendered from the table itself, so that the
 * README cannot say other than what the code does (test/readme/access-table.spec.ts compares them).
 * `npm run access-table` prints it.
 */
export function accessTableMarkdown(): string {
  const lines: string[] = [];
  const row = (cells: readonly string[]) => lines.push(`| ${cells.join(' | ')} |`);
  const header = (cells: readonly string[]) => {
    row(cells);
    row(cells.map(() => '---'));
  };

  lines.push('Legal bases:', '');
  for (const [basis, meaning] of Object.entries(LEGAL_BASES)) lines.push(`- **${basis}**: ${meaning}`);

  lines.push('', "Each way of reading a case, by the reader's standing on it now (`redacted`: shown as the next table grants):", '');
  header(['view', ...READER_STANDINGS]);
  for (const view of READ_VIEWS) {
    row([
      `\`${view}\``,
      ...READER_STANDINGS.map((standing) => {
        const { access, basis } = VIEW_ACCESS[view][standing];
        return access === 'refused' ? 'refused' : `${access} (${basis})`;
      }),
    ]);
  }

  lines.push('', 'What the events of a case are about:', '');
  for (const [category, meaning] of Object.entries(INFO_CATEGORIES)) lines.push(`- **${category}**: ${meaning}`);
  for (const [category, { fieldsOnlyFor }] of Object.entries(CONTENT_ACCESS)) {
    if (fieldsOnlyFor)
      lines.push(`- in **${category}**, ${fieldsOnlyFor.fields.join(', ')} only for ${fieldsOnlyFor.kinds.join(' and ')}: ${fieldsOnlyFor.why}`);
  }
  lines.push(
    '',
    'What a team member sees of each kind of event, by its agency kind (— : withheld). The agency that recorded an event always sees it in full; auditors see everything (auditor-remit).',
    '',
  );
  header(['category', 'events', ...OPERATIONAL_KINDS]);
  const typesOf = (category: InfoCategory) => {
    const types = Object.entries(EVENT_CATEGORY)
      .filter(([, c]) => c === category)
      .map(([type]) => type);
    if (category === 'care') return `SupportProvided of ${CARE_SUPPORT_KINDS.join(', ')}`;
    return types.join(', ') + (category === 'support' ? ' of any other kind' : '');
  };
  for (const category of Object.keys(INFO_CATEGORIES) as InfoCategory[]) {
    const { grants, fieldsOnlyFor, audience } = CONTENT_ACCESS[category];
    const cells = OPERATIONAL_KINDS.map((kind) => {
      const shown = grants[kind].map(describeGrant).join(' or ') || '—';
      return fieldsOnlyFor && !fieldsOnlyFor.kinds.includes(kind) && grants[kind].length > 0 ? `${shown}, without ${fieldsOnlyFor.fields.join(', ')}` : shown;
    });
    const parties = CONTENT_ACCESS[category].parties;
    const partyGrants = parties ? [...new Set(OPERATIONAL_KINDS.map((kind) => parties[kind].map(describeGrant).join(' or ') || '—'))].join(' / ') : '';
    const also = audience === 'referral-parties' ? ` (also, on ${partyGrants}, to the addressee of the referral and the coordinator it was escalated to)` : '';
    row([`**${category}**${also}`, typesOf(category), ...cells]);
  }
  const identityKinds = OPERATIONAL_KINDS.filter((kind) => IDENTITY_ACCESS.grants[kind].length > 0);
  lines.push(
    '',
    `A person's identity, on the person's record (never in clear in an event, a feed or on Kafka): the agency responsible for the record and the team members of the person's cases of kinds ${identityKinds.join(', ')}, on their mandate; a protected identity only ${IDENTITY_ACCESS.protectedShownTo.join(' and ')}; auditors on their remit.`,
  );
  return `${lines.join('\n')}\n`;
}

function describeGrant(grant: Grant): string {
  switch (grant.basis) {
    case 'mandate':
      return 'mandate';
    case 'child-protection':
      return 'child-protection (a child subject, or one of unknown age)';
    case 'consent':
      return `consent: ${grant.scopes.join(' + ')}`;
  }
}

export const ACCESS_TABLE_MARKERS = { start: '<!-- access-table:start -->', end: '<!-- access-table:end -->' } as const;

/** The README text with the tables between the markers replaced by the table as it is. */
export function withAccessTable(readme: string): string {
  const start = readme.indexOf(ACCESS_TABLE_MARKERS.start);
  const end = readme.indexOf(ACCESS_TABLE_MARKERS.end);
  if (start < 0 || end < start) throw new Error(`the README has no ${ACCESS_TABLE_MARKERS.start} … ${ACCESS_TABLE_MARKERS.end} section`);
  return `${readme.slice(0, start + ACCESS_TABLE_MARKERS.start.length)}\n${accessTableMarkdown()}${readme.slice(end)}`;
}
