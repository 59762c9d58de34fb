import { generateKeyPairSync } from 'node:crypto';
import { toHex } from '@samverkan/ledger';
import { SealedEnvelope } from '@samverkan/sealing';
import { FixtureLedger, FullBundle, LOG_NAME, runCli, StubServer } from './testing/fixture-ledger';

const CASE = '0195f0c2-aaaa-7000-8000-000000000001';
const OTHER = '0195f0c2-bbbb-7000-8000-000000000002';
const named = (event: { id: string; stream: string; revision: number }, leaf?: number) =>
  `event ${event.id} (stream ${event.stream}, revision ${event.revision}${leaf === undefined ? '' : `, leaf ${leaf}`})`;

describe('verify-bundle', () => {
  let ledger: FixtureLedger;
  let bundle: FullBundle;
  let bundleFile: string;
  let size: number;

  beforeAll(() => {
    ledger = new FixtureLedger();
    ledger.append(CASE, 2);
    ledger.append(OTHER, 1);
    ledger.append(CASE, 2);
    size = ledger.events.length;
    bundle = ledger.bundle(CASE);
    bundleFile = ledger.save('bundle.json', JSON.stringify(bundle));
  });

  afterAll(() => ledger.remove());

  const verifyBundle = (file: string, ...extra: string[]) => runCli(['verify-bundle', file, '--key', ledger.keyFile, ...extra]);
  const saveBundle = (name: string, changed: object) => ledger.save(name, JSON.stringify({ ...bundle, ...changed }));

  it('says exactly what it proved: these revisions are in this checkpoint, and nothing about later ones', async () => {
    const run = await verifyBundle(bundleFile);
    expect(run.fails).toEqual([]);
    expect(run.stdout).toBe(
      `OK bundle ${bundleFile}: case ${CASE}: revisions 0..3 of case-${CASE} are in checkpoint ${size} (${LOG_NAME}, signed by ${ledger.vkey}); ` +
        'events after revision 3, if any, are not covered by this bundle\n',
    );
    expect(run.code).toBe(0);
  });

  describe('which case', () => {
    it("passes with --case naming the bundle's case", async () => {
      const run = await verifyBundle(bundleFile, '--case', CASE);
      expect(run.code).toBe(0);
    });

    it('fails with --case naming another case, and every event as not of that case', async () => {
      const run = await verifyBundle(bundleFile, '--case', OTHER);
      expect(run.code).toBe(1);
      expect(run.fails[0]).toBe(`FAIL bundle ${bundleFile}: is for case ${CASE}, not for case ${OTHER} (--case) (expected ${OTHER}, found ${CASE})`);
      expect(run.fails.slice(1)).toEqual(
        bundle.events.map(
          ({ event, leafIndex }) =>
            `FAIL ${named(event, leafIndex)}: belongs to stream case-${CASE}, not to stream case-${OTHER} of case ${OTHER} (--case) (expected case-${OTHER}, found case-${CASE})`,
        ),
      );
    });

    it('fails a bundle relabelled for the case of --case whose events are of another case', async () => {
      const relabelled = saveBundle('relabelled.json', { caseId: OTHER, stream: `case-${OTHER}` });
      const run = await verifyBundle(relabelled, '--case', OTHER);
      expect(run.code).toBe(1);
      expect(run.fails).toHaveLength(bundle.events.length);
      expect(run.fails[0]).toMatch(/belongs to stream case-0195f0c2-aaaa-.* not to stream case-0195f0c2-bbbb-.* of case .* \(--case\)/);
    });

    it('fails a bundle without a caseId, whatever else it holds', async () => {
      for (const caseId of [undefined, '', 42]) {
        const file = saveBundle('no-case.json', { caseId });
        const run = await verifyBundle(file);
        expect(run.code).toBe(1);
        expect(run.fails).toEqual([
          `FAIL bundle ${file}: names no case (found caseId ${JSON.stringify(caseId) ?? 'missing'}): a bundle must say which case it is for`,
        ]);
      }
    });

    it("fails a bundle whose stream is not its case's", async () => {
      const file = saveBundle('wrong-stream.json', { stream: `case-${OTHER}` });
      const run = await verifyBundle(file);
      expect(run.code).toBe(1);
      expect(run.fails[0]).toBe(
        `FAIL bundle ${file}: is for case ${CASE}, whose stream is case-${CASE}, but names stream case-${OTHER} (expected case-${CASE}, found case-${OTHER})`,
      );
    });

    it.each([
      [['--case', ''], /--case needs a case id/],
      [['--case', `case-${CASE}`], new RegExp(`--case takes the case id, not the name of its stream: give --case ${CASE}`)],
      [['--token', 'abc'], /--token is only used with --server/],
    ])('refuses %j as a usage error', async (extra, message) => {
      const run = await verifyBundle(bundleFile, ...(extra as string[]));
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
    });
  });

  describe('events withheld from the agency the bundle was made for', () => {
    it('proves them by their hash, and says how many its holder cannot read', async () => {
      const file = ledger.save('withheld.json', JSON.stringify(ledger.bundleWithheld(CASE, [1, 2])));
      const run = await verifyBundle(file);
      expect(run.fails).toEqual([]);
      expect(run.stdout).toBe(
        `OK bundle ${file}: case ${CASE}: revisions 0..3 of case-${CASE} are in checkpoint ${size} (${LOG_NAME}, signed by ${ledger.vkey}); ` +
          '2 of them withheld from socialtjansten-malmo: proven by their hash alone, their content not shown; events after revision 3, if any, are not covered by this bundle\n',
      );
    });

    it('fails a withheld event whose hash is not the one logged, and the event after it that links to the real one', async () => {
      const made = ledger.bundleWithheld(CASE, [1]);
      const events = made.events.map((e) => ('withheld' in e ? { ...e, withheld: { ...e.withheld, hash: 'e'.repeat(64) } } : e));
      const file = ledger.save('withheld-forged.json', JSON.stringify({ ...made, events }));
      const run = await verifyBundle(file);
      expect(run.code).toBe(1);
      expect(run.fails).toEqual([
        expect.stringMatching(new RegExp(`^FAIL withheld event \\(stream case-${CASE}, revision 1, leaf \\d+\\): is not proven to be leaf`)),
        expect.stringMatching(/revision 2, leaf \d+\): does not link to revision 1 of its stream/),
      ]);
    });

    it('fails a withheld event without a hash, saying it cannot be checked', async () => {
      const made = ledger.bundleWithheld(CASE, [2]);
      const events = made.events.map((e) => ('withheld' in e ? { ...e, withheld: { ...e.withheld, hash: undefined } } : e));
      const file = ledger.save('withheld-shapeless.json', JSON.stringify({ ...made, events }));
      const run = await verifyBundle(file);
      expect(run.code).toBe(1);
      expect(run.fails[0]).toBe(`FAIL bundle entry 2: the withheld event has no hash of 64 lowercase hex digits; it cannot be checked`);
    });
  });

  describe('the checkpoint', () => {
    it("must have the ledger key's name as its origin; its proofs are not checked otherwise", async () => {
      const file = saveBundle('other-origin.json', { checkpoint: ledger.checkpoint(size, { origin: 'other.test/log' }) });
      const run = await verifyBundle(file);
      expect(run.code).toBe(1);
      expect(run.fails).toEqual([
        `FAIL checkpoint of bundle ${file} (other.test/log, size ${size}, root ${toHex(ledger.root())}): its origin is "other.test/log", but the ledger key is named "${LOG_NAME}": ` +
          `a log's checkpoints carry its key's name as their origin (C2SP tlog-checkpoint), so this is a checkpoint of another log, or the key is not this log's (expected ${LOG_NAME}, found other.test/log)`,
      ]);
    });

    it("may not carry the ledger key's signature twice", async () => {
      const file = saveBundle('twice.json', { checkpoint: ledger.checkpointSignedTwice(size) });
      const run = await verifyBundle(file);
      expect(run.code).toBe(1);
      expect(run.fails).toEqual([
        expect.stringMatching(
          /^FAIL checkpoint of bundle .*twice\.json: is not a checkpoint signed by the given key .*: malformed signed note: known key .* signed it twice/,
        ),
      ]);
    });

    it('must be signed by the given key', async () => {
      const file = saveBundle('forged.json', { checkpoint: ledger.checkpoint(size, { key: generateKeyPairSync('ed25519').privateKey }) });
      const run = await verifyBundle(file);
      expect(run.code).toBe(1);
      expect(run.fails).toEqual([
        expect.stringMatching(/^FAIL checkpoint of bundle .*forged\.json: is not a checkpoint signed by the given key .*but another key id/),
      ]);
    });
  });

  describe('with --server, against the case timeline', () => {
    let stub: StubServer;
    let timeline: () => { status?: number; body: unknown };

    beforeAll(async () => {
      stub = await StubServer.start((request) => {
        if (request.path !== `/cases/${CASE}/timeline`) return { status: 404, body: { title: 'Not Found' } };
        if (request.headers.authorization !== 'Bearer good-token') return { status: 401, body: { title: 'Unauthorized' } };
        return timeline();
      });
    });

    beforeEach(() => {
      timeline = () => ({ body: ledger.timeline(CASE) });
    });

    afterAll(() => stub.stop());

    const withServer = (file: string, ...extra: string[]) => verifyBundle(file, '--server', stub.url, '--token', 'good-token', ...extra);
    const url = () => `${stub.url}/cases/${CASE}/timeline`;

    it('passes when the server shows no later events, and says so', async () => {
      const run = await withServer(bundleFile);
      expect(run.fails).toEqual([]);
      expect(run.stdout).toBe(
        `OK bundle ${bundleFile}: case ${CASE}: revisions 0..3 of case-${CASE} are in checkpoint ${size} (${LOG_NAME}, signed by ${ledger.vkey}); ` +
          `the server shows no events after revision 3 (GET ${url()})\n`,
      );
      expect(run.code).toBe(0);
      expect(stub.requests.at(-1)).toMatchObject({ path: `/cases/${CASE}/timeline`, headers: expect.objectContaining({ accept: 'application/json' }) });
    });

    it('fails when the case has events after the bundle, naming the first missing revision', async () => {
      // The bundle of the case as it was when the log held 2 events: revisions 0 and 1.
      const file = saveBundle('older.json', { events: ledger.bundle(CASE, 2).events, checkpoint: ledger.checkpoint(2) });
      expect((await verifyBundle(file)).code).toBe(0);
      const run = await withServer(file);
      expect(run.code).toBe(1);
      const third = bundle.events[2].event;
      expect(run.fails).toEqual([
        `FAIL case ${CASE}: the server's timeline (GET ${url()}) has 2 events after the bundle's last revision 1, which this bundle does not cover; ` +
          `the first missing is revision 2 (event ${third.id}, ${third.type}): fetch a new bundle (expected last revision 1, found last revision 3)`,
      ]);
    });

    it('fails when the server shows another event than the bundle at a revision', async () => {
      const changed: SealedEnvelope = bundle.events[1].event;
      timeline = () => {
        const served = ledger.timeline(CASE);
        return { body: { ...served, events: served.events.map((e) => (e.revision === 1 ? { ...e, hash: 'f'.repeat(64) } : e)) } };
      };
      const run = await withServer(bundleFile);
      expect(run.code).toBe(1);
      expect(run.fails).toEqual([
        `FAIL ${named(changed)}: the server's timeline (GET ${url()}) shows another event at revision 1 than the bundle, whose event is in the checkpoint (expected ${changed.hash}, found ${'f'.repeat(64)})`,
      ]);
    });

    it('fails when the server shows fewer events than the bundle proves were logged', async () => {
      timeline = () => {
        const served = ledger.timeline(CASE);
        return { body: { ...served, revision: 2, events: served.events.slice(0, 3) } };
      };
      const run = await withServer(bundleFile);
      expect(run.code).toBe(1);
      expect(run.fails).toEqual([
        `FAIL case ${CASE}: the server's timeline (GET ${url()}) ends at revision 2, before the bundle's last revision 3: the server no longer shows events the bundle proves were logged (expected last revision 3, found last revision 2)`,
      ]);
    });

    it('fails when the server leaves out an event the bundle holds as stored, which the same reader may see', async () => {
      timeline = () => {
        const served = ledger.timeline(CASE);
        return { body: { ...served, events: served.events.filter((e) => e.revision !== 2) } };
      };
      const run = await withServer(bundleFile);
      expect(run.code).toBe(1);
      expect(run.fails).toEqual([
        `FAIL ${named(bundle.events[2].event)}: the server's timeline (GET ${url()}) does not show revision 2, which the bundle holds as stored for the same reader`,
      ]);
    });

    it('passes when the server leaves out only events withheld in the bundle', async () => {
      const file = ledger.save('withheld-for-server.json', JSON.stringify(ledger.bundleWithheld(CASE, [2])));
      timeline = () => {
        const served = ledger.timeline(CASE);
        return { body: { ...served, events: served.events.filter((e) => e.revision !== 2) } };
      };
      const run = await withServer(file);
      expect(run.fails).toEqual([]);
      expect(run.code).toBe(0);
    });

    it('fails, saying it could not check, when the server refuses or answers something else', async () => {
      const refused = await verifyBundle(bundleFile, '--server', stub.url);
      expect(refused.code).toBe(1);
      expect(refused.fails).toEqual([
        `FAIL case ${CASE}: cannot be checked for events after revision 3: GET ${url()} answered 401 (give a bearer token with --token or SAMVERKAN_TOKEN): {"title":"Unauthorized"}`,
      ]);

      timeline = () => ({ body: { events: 'none' } });
      const odd = await withServer(bundleFile);
      expect(odd.code).toBe(1);
      expect(odd.fails).toEqual([
        `FAIL case ${CASE}: cannot be checked for events after revision 3: the server's timeline (GET ${url()}) is not a list of events with revisions`,
      ]);
    });
  });
});
