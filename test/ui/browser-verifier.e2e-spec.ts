import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { CONSISTENCY_VECTORS } from '../../libs/ledger/src/testing/consistency-vectors';
import { RunningService } from '../support/running-service';
import { describeWithChromium, launchChromium, watchedPage } from './browser';

jest.setTimeout(120_000);

/** The verifier module in the page (window.verify), untyped: it is the browser's JavaScript. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const verify: any;

const FIXTURES = join(__dirname, '..', '..', 'libs', 'ledger', 'src', 'testing', 'fixtures');
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

interface InclusionProbe {
  file: string;
  desc: string;
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[];
  wantErr: boolean;
}

/**
 * The checks the pages make in the browser (apps/coordinator/ui/verify.js), run in Chromium with its WebCrypto:
 * the public Merkle proof vectors (transparency-dev/merkle, as the ledger library's own tests use them), the
 * C2SP signed-note example, and the hashes of events as the running service sealed them.
 */
describeWithChromium("the pages' verifier in a browser", () => {
  let service: RunningService;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    service = await RunningService.start();
    browser = await launchChromium();
    ({ page, problems } = await watchedPage(browser));
    await page.goto(`${service.baseUrl}/ui/`);
    // A string, so that the test's compiler leaves the browser's own dynamic import alone.
    await page.evaluate("import('/ui/verify.js').then((module) => { window.verify = module; })");
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('accepts every valid inclusion proof of the public vectors and refuses every invalid one', async () => {
    const probes: InclusionProbe[] = fixture('rfc6962-inclusion-probes.json').probes;
    const verdicts = await page.evaluate(async (all) => {
      const v = verify;
      const hex = (h: string) => v.fromHex(h, 'hash');
      return Promise.all(
        all.map((p) =>
          v.verifyInclusion(hex(p.leafHash), p.leafIdx, p.treeSize, p.proof.map(hex), hex(p.root)).then(
            () => 'accepted',
            (error: Error) => `refused: ${error.message}`,
          ),
        ),
      );
    }, probes);
    expect(probes.length).toBeGreaterThan(10);
    probes.forEach((p, i) => expect([`${p.file}: ${p.desc}`, verdicts[i].startsWith('refused')]).toEqual([`${p.file}: ${p.desc}`, p.wantErr]));
  });

  it('accepts every valid consistency proof of the public vectors and refuses every invalid one', async () => {
    // As this project answers them: every proof from size 0 refused (consistency-vectors.ts).
    const probes = CONSISTENCY_VECTORS;
    const verdicts = await page.evaluate(async (all) => {
      const v = verify;
      const hex = (h: string) => v.fromHex(h, 'hash');
      return Promise.all(
        all.map((p) =>
          v.verifyConsistency(p.size1, p.size2, hex(p.root1), hex(p.root2), p.proof.map(hex)).then(
            () => 'accepted',
            (error: Error) => `refused: ${error.message}`,
          ),
        ),
      );
    }, probes);
    expect(probes.length).toBeGreaterThan(10);
    probes.forEach((p, i) => expect([`${p.file}: ${p.desc}`, verdicts[i].startsWith('refused')]).toEqual([`${p.file}: ${p.desc}`, p.wantErr]));
  });

  it("opens the C2SP signed-note example with its key, and refuses it altered or under another key's name", async () => {
    const { vkey, note } = fixture('signed-note.json');
    const outcomes = await page.evaluate(
      async ({ vkey, note }) => {
        const v = verify;
        const key = await v.parseVerifierKey(vkey);
        const attempt = (text: string) =>
          v.openNote(text, key).then(
            (t: string) => `opened: ${JSON.stringify(t)}`,
            (e: Error) => `refused: ${e.message}`,
          );
        const otherName = await v.parseVerifierKey(vkey).then(() =>
          v.parseVerifierKey(vkey.replace('example.com/foo', 'example.com/bar')).then(
            () => 'parsed',
            (e: Error) => `refused: ${e.message}`,
          ),
        );
        return [await attempt(note), await attempt(note.replace('example message', 'exemplary message')), otherName];
      },
      { vkey, note },
    );
    expect(outcomes[0]).toBe('opened: "This is an example message.\\n"');
    expect(outcomes[1]).toMatch(/^refused: the signature by example.com\/foo does not verify/);
    expect(outcomes[2]).toMatch(/^refused: the verifier key's id 530d903a does not match its key/);
  });

  it("recomputes the hashes of the service's sealed events and proves them in its signed checkpoint, and fails an edited one", async () => {
    const police = await service.as('polisen-malmo');
    const opened = await police.post('/cases', {
      subject: { category: 'victim', ageGroup: 'adult', gender: 'female', originCountry: 'RO' },
      exploitation: 'sexual-exploitation',
      summary: 'Met at the station; "ö", emoji 🙂 and a tab\there',
    });
    expect(opened.status).toBe(201);
    const caseId = opened.body.caseId;
    expect((await police.post(`/cases/${caseId}/cooperation`, { status: 'willing' })).status).toBe(201);
    const bundle = (await police.get(`/cases/${caseId}/audit-bundle`)).body;
    const key = (await (await fetch(`${service.baseUrl}/ledger/key`)).text()).trim();
    const result = await page.evaluate(
      async ({ bundle, key }) => {
        const v = verify;
        const verifier = await v.parseVerifierKey(key);
        const statuses = async (b: typeof bundle) =>
          [...(await v.verifyBundle(b, verifier)).verdicts.values()].map((d: { status: string; problem?: string }) => d.problem ?? d.status);
        const edited = structuredClone(bundle);
        edited.events[0].event.metadata.occurredAt = '2020-01-01T00:00:00.000Z';
        return { genuine: await statuses(bundle), edited: await statuses(edited) };
      },
      { bundle, key },
    );
    expect(result.genuine.length).toBeGreaterThanOrEqual(2);
    expect(new Set(result.genuine)).toEqual(new Set(['verified', ...(result.genuine.includes('proven-by-hash') ? ['proven-by-hash'] : [])]));
    expect(result.genuine[0]).toBe('verified');
    expect(result.edited[0]).toMatch(/^its content hashes to [0-9a-f]{64}, not to the [0-9a-f]{64} it was sealed with: it was changed$/);
    expect(result.edited.slice(1)).toEqual(result.genuine.slice(1));
    expect(problems).toEqual([]);
  });
});
