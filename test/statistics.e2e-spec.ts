import { parse } from 'csv-parse/sync';
import { eventually, RunningService } from './support/running-service';

/**
 * The year's figures as a coordinator reads them over HTTP, from cases opened through the API: people counted
 * once, by region, with small counts suppressed; as JSON and as CSV.
 */
describe('the statistics', () => {
  let service: RunningService;
  const year = new Date().getUTCFullYear();

  beforeAll(async () => {
    service = await RunningService.start();
    const malmo = await service.as('polisen-malmo');
    const stockholm = await service.as('polisen-stockholm');
    const open = async (client: typeof malmo, ageGroup: string, contact?: string) => {
      const reply = await client.post('/cases', {
        subject: { category: 'victim', ageGroup, gender: 'female', originCountry: 'RO' },
        exploitation: 'sexual-exploitation',
        contact,
      });
      expect(reply.status).toBe(201);
      return reply.body.caseId as string;
    };
    for (let i = 0; i < 7; i++) {
      const caseId = await open(malmo, 'adult', 'outreach');
      expect((await malmo.post(`/cases/${caseId}/support`, { kind: 'protection', providedOn: new Date().toISOString().slice(0, 10) })).status).toBe(201);
    }
    for (let i = 0; i < 3; i++) await open(malmo, 'child', 'referral');
    // Without a third count in their row, the three children would be given away by the adults and the row's total.
    for (let i = 0; i < 5; i++) await open(malmo, 'unknown');
    for (let i = 0; i < 6; i++) await open(stockholm, 'adult');
  });
  afterAll(() => service.stop());

  const cell = (table: { rows: string[]; columns: string[]; cells: unknown[][] }, row: string, column: string) =>
    table.cells[table.rows.indexOf(row)][table.columns.indexOf(column)];

  it("gives a coordinator the region's people by group and age, the three children suppressed and what would give them away", async () => {
    const mika = await service.as('mika-malmo');
    const stats = await eventually(async () => {
      const reply = await mika.get(`/statistics?year=${year}&region=skane`);
      expect(reply.status).toBe(200);
      return cell(reply.body.tables.individualsByGroup, 'victim', 'adult') === 7 ? reply.body : undefined;
    }, 'the figures to hold the cases opened');
    expect(stats).toMatchObject({ year, region: 'skane', threshold: 5 });
    expect(cell(stats.tables.individualsByGroup, 'victim', 'child')).toBe('suppressed');
    expect(cell(stats.tables.individualsByGroup, 'victim', 'unknown')).toBe('suppressed');
    expect(stats.tables.individualsByGroup.rowTotals[0]).toBe(15);
    expect(cell(stats.tables.victimsBySupport, 'protection', 'victims')).toBe(7);
    // The three referred are suppressed, and one more count of their row, whichever protects them at least cost
    // across the region's tables and the country's; what is published is the count.
    const byContact = stats.tables.individualsByContact;
    const victimsByContact: unknown[] = byContact.cells[byContact.rows.indexOf('victim')];
    expect(cell(byContact, 'victim', 'referral')).toBe('suppressed');
    expect(victimsByContact.filter((v) => v === 'suppressed').length).toBeGreaterThanOrEqual(2);
    const counts: Record<string, number> = { outreach: 7, referral: 3, 'not recorded': 5 };
    byContact.columns.forEach((column: string, c: number) => expect([counts[column], 'suppressed']).toContain(victimsByContact[c]));
    const country = (await mika.get(`/statistics?year=${year}`)).body;
    expect(country.region).toBeNull();
    expect(cell(country.tables.individualsByGroup, 'victim', 'adult')).toBe(13);
    expect(country.tables.individualsByMunicipality).toMatchObject({
      rows: ['malmo', 'stockholm'],
      cells: [
        [15, 0],
        [6, 0],
      ],
    });
  });

  it('gives it as CSV, one number a line, for a spreadsheet', async () => {
    const auditor = await service.as('internrevisionen');
    const reply = await fetch(`${auditor.baseUrl}/statistics?year=${year}&region=skane`, {
      headers: { authorization: `Bearer ${auditor.token}`, accept: 'text/csv' },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(reply.headers.get('content-disposition')).toBe(`attachment; filename="samverkan-statistics-${year}-skane.csv"`);
    const text = await reply.text();
    expect(text.split('\r\n')[0]).toBe('table,row,column,value');
    expect(text).toContain('individualsByGroup,victim,adult,7\r\n');
    expect(text).toContain('individualsByGroup,victim,child,suppressed\r\n');
    // Read as a spreadsheet reads it (RFC 4180, every line its four fields), it says what the JSON says.
    const records: { table: string; row: string; column: string; value: string }[] = parse(text, {
      columns: true,
      record_delimiter: '\r\n',
      skip_empty_lines: false,
    });
    const csv = new Map(records.map((r) => [`${r.table}/${r.row}/${r.column}`, r.value]));
    expect(csv.size).toBe(records.length);
    const json = (await auditor.get(`/statistics?year=${year}&region=skane`)).body;
    const expected = new Map<string, string>();
    for (const [name, t] of Object.entries<{
      rows: string[];
      columns: string[];
      cells: unknown[][];
      rowTotals: unknown[];
      columnTotals: unknown[];
      total: unknown;
    }>(json.tables)) {
      t.rows.forEach((row, r) => {
        t.columns.forEach((column, c) => expected.set(`${name}/${row}/${column}`, String(t.cells[r][c])));
        expected.set(`${name}/${row}/total`, String(t.rowTotals[r]));
      });
      t.columns.forEach((column, c) => expected.set(`${name}/total/${column}`, String(t.columnTotals[c])));
      expected.set(`${name}/total/total`, String(t.total));
    }
    for (const [at, value] of expected) expect({ at, value: csv.get(at) }).toEqual({ at, value });
    expect([...csv.keys()].filter((at) => !expected.has(at)).every((at) => at.startsWith('figures/'))).toBe(true);
    for (const record of records) expect(record.value).toMatch(/^(suppressed|\d+(\.\d+)?)$/);
  });

  it('refuses those who do not report the figures, an unknown region and a missing year', async () => {
    const police = await service.as('polisen-malmo');
    expect((await police.get(`/statistics?year=${year}`)).status).toBe(403);
    const mika = await service.as('mika-malmo');
    expect((await mika.get(`/statistics?year=${year}&region=atlantis`)).body).toMatchObject({ status: 400, rule: 'unknown-region' });
    expect((await mika.get('/statistics')).status).toBe(400);
  });
});
