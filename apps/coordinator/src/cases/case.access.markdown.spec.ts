import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { accessTableMarkdown, withAccessTable } from './case.access.markdown';

describe("the README's who-sees-what tables", () => {
  it('are the access table as the code has it (npm run access-table -- --write renders them)', () => {
    const readme = readFileSync(resolve(__dirname, '../../../../README.md'), 'utf8');
    expect(withAccessTable(readme)).toBe(readme);
  });

  it('name every legal basis, view and category', () => {
    const text = accessTableMarkdown();
    for (const word of ['mandate', 'consent', 'child-protection', 'auditor-remit', '`audit-bundle`', '`kafka`', '**care**', '**evidence**'])
      expect(text).toContain(word);
  });
});
