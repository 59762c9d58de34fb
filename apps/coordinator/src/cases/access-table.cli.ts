/**
 * `npm run access-table`: prints the README's "Who sees what" tables, rendered from the access table;
 * `npm run access-table -- --write` puts them into README.md between their markers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { accessTableMarkdown, ACCESS_TABLE_MARKERS, withAccessTable } from './case.access.markdown';

const readme = resolve(__dirname, '../../../../README.md');
if (process.argv.includes('--write')) {
  writeFileSync(readme, withAccessTable(readFileSync(readme, 'utf8')));
  process.stdout.write(`wrote the access table into ${readme} between ${ACCESS_TABLE_MARKERS.start} and ${ACCESS_TABLE_MARKERS.end}\n`);
} else {
  process.stdout.write(accessTableMarkdown());
}
