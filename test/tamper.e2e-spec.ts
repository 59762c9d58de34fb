import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  AUDIT_BUNDLE_FORMAT,
  AuditBundle,
  ed25519NoteSigner,
  eventLeafHash,
  InMemoryNodeStore,
  MerkleTree,
  openCheckpoint,
  parseVerifierKey,
  signCheckpoint,
  toHex,
  verifierKey,
} from '@samverkan/ledger';
import { caseStream, envelopeHash, SealedEnvelope, sealEvents, serializeEnvelope } from '@samverkan/sealing';
import { checkpointOfWholeStore, fetchText, runAudit, saveFile, scratchDir } from './support/audit-cli';
import { eventually, RunningService } from './support/running-service';
import { copyDataDir, editStore, readStoreRows, StoredRow } from './support/store-file';

jest.setTimeout(120_000);

/**
 * The tamper tests, against the real embedded store file: the service runs, signs checkpoints and
 * stops; someone with access to the disk edits `events.db`; the service starts again on the edited file and
 * hands out an export and audit bundles, which now carry the edit (the ledger ingested the originals, the
 * export and the bundles re-read the store). `samverkan-audit`, given only the genuine ledger key and the
 * genuine checkpoints, must find each edit and name the event or the checkpoint.
 */
describe('tampering with the store file', () => {
  let genuineDir: string;
  let dir: string;
  let keyFile: string;
  let earlyFile: string;
  let laterFile: string;
  let early: number;
  let later: number;
  let genuine: StoredRow[];
  const cases: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
  const cleanup: string[] = [];

  beforeAll(async () => {
    const service = await RunningService.start({ env: { SAMVERKAN_CHECKPOINT_INTERVAL_MS: '0' } });
    genuineDir = service.config.dataDir;
    dir = scratchDir('tamper');
    cleanup.push(genuineDir, dir);
    try {
      const malmo = await service.as('polisen-malmo', 'officer-17');
      const goteborg = await service.as('polisen-goteborg', 'officer-4');
      const ok = (reply: { status: number }) => expect(reply.status).toBe(201);

      // Case a: revisions 0-4; case b: 0-2; then the early checkpoint.
      cases.a = (
        await malmo.post('/cases', { subject: { category: 'victim', ageGroup: 'adult', gender: 'female' }, exploitation: 'sexual-exploitation' })
      ).body.caseId;
      ok(await malmo.post(`/cases/${cases.a}/support`, { kind: 'shelter', providedOn: '2026-03-02' }));
      ok(await malmo.post(`/cases/${cases.a}/consent`, { scope: 'share-with-social-services', given: true, by: 'person', on: '2026-03-02' }));
      ok(await malmo.post(`/cases/${cases.a}/cooperation`, { status: 'willing' }));
      cases.b = (await goteborg.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' }, exploitation: 'forced-labour' })).body.caseId;
      ok(await goteborg.post(`/cases/${cases.b}/cooperation`, { status: 'willing' }));
      early = (await checkpointOfWholeStore(service, malmo.token)).size;
      // Case c: revisions 0-2; then a's revision 5 and b's revision 3; then the later checkpoint.
      cases.c = (await malmo.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } })).body.caseId;
      ok(await malmo.post(`/cases/${cases.c}/support`, { kind: 'legal-counsel', providedOn: '2026-03-04' }));
      ok(await malmo.post(`/cases/${cases.a}/investigations`, { reference: '5000-K123456-26' }));
      ok(await goteborg.post(`/cases/${cases.b}/consent`, { scope: 'share-with-social-services', given: true, by: 'person', on: '2026-03-02' }));
      later = (await checkpointOfWholeStore(service, malmo.token)).size;

      keyFile = saveFile(dir, 'ledger.vkey', (await fetchText(service, '/ledger/key')).text);
      earlyFile = saveFile(dir, 'early.checkpoint', (await fetchText(service, `/ledger/checkpoints?size=${early}`, { token: malmo.token })).text);
      laterFile = saveFile(dir, 'later.checkpoint', (await fetchText(service, `/ledger/checkpoints?size=${later}`, { token: malmo.token })).text);
    } finally {
      await service.stop({ keepData: true });
    }

    genuine = readStoreRows(genuineDir);
    expect(genuine).toHaveLength(later);
    // Each case opened without a person record registers one for its subject (p) just before it.
    const label = (stream: string) => (stream.startsWith('person-') ? 'p' : stream.slice(5) === cases.a ? 'a' : stream.slice(5) === cases.b ? 'b' : 'c');
    expect(genuine.map((row) => `${label(row.stream)}${row.revision}`)).toEqual([
      'p0',
      'a0',
      'a1',
      'a2',
      'a3',
      'a4',
      'p0',
      'b0',
      'b1',
      'b2',
      'p0',
      'c0',
      'c1',
      'c2',
      'a5',
      'b3',
    ]);
  });

  afterAll(() => {
    for (const path of cleanup) rmSync(path, { recursive: true, force: true });
  });

  /** The genuine row of a case at a revision. */
  const row = (c: keyof typeof cases, revision: number) => genuine.find((r) => r.stream === caseStream(cases[c]) && r.revision === revision)!;
  const stream = (c: keyof typeof cases) => caseStream(cases[c]);
  /** The leaf of a genuine row in the genuine log. */
  const leaf = (r: StoredRow) => genuine.findIndex((g) => g.id === r.id);
  /** How the CLI names an event at a leaf of the export. */
  const named = (r: { id: string; stream: string; revision: number }, leaf: number) =>
    `event ${r.id} (stream ${r.stream}, revision ${r.revision}, leaf ${leaf})`;
  const failLines = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('FAIL '));

  /**
   * Copies the genuine data directory, edits its store file, starts the service on it and downloads what an
   * auditor would: the export (as internrevisionen) and the audit bundles of the given cases (as their lead).
   */
  async function tamper(name: string, edit: (db: Database.Database) => void, bundlesOf: Array<keyof typeof cases> = [], exportSize = later) {
    const dataDir = copyDataDir(genuineDir);
    cleanup.push(dataDir);
    editStore(dataDir, edit);
    const service = await RunningService.start({ dataDir, env: { SAMVERKAN_CHECKPOINT_INTERVAL_MS: '0' } });
    try {
      const auditor = await service.token('internrevisionen', 'auditor-1');
      // The ledger follows the store: events added to the file are in the log once it has read them.
      const exported = await eventually(async () => {
        const reply = await fetchText(service, `/ledger/export?size=${exportSize}`, { token: auditor });
        return reply.status === 200 ? reply : undefined;
      }, `an export of ${exportSize} events`);
      const bundles: Partial<Record<keyof typeof cases, string>> = {};
      // A bundle the service refuses to make (an event it never sealed for the case) is kept as its problem.
      const refused: Partial<Record<keyof typeof cases, { status: number; detail: string }>> = {};
      for (const c of bundlesOf) {
        const lead = await service.token(c === 'b' ? 'polisen-goteborg' : 'polisen-malmo');
        const bundle = await fetchText(service, `/cases/${cases[c]}/audit-bundle`, { token: lead });
        if (bundle.status === 409) refused[c] = { status: 409, detail: JSON.parse(bundle.text).detail };
        else {
          expect({ c, status: bundle.status }).toEqual({ c, status: 200 });
          bundles[c] = saveFile(dir, `${name}-bundle-${c}.json`, bundle.text);
        }
      }
      return { exportFile: saveFile(dir, `${name}.ndjson`, exported.text), bundles, refused, rows: readStoreRows(dataDir) };
    } finally {
      await service.stop();
    }
  }

  /** verify-log on the reading thread alone and with three line checkers: one report, line for line. */
  const verifyLog = async (exportFile: string, ...checkpoints: string[]) => {
    const args = ['verify-log', exportFile, '--key', keyFile, ...checkpoints.flatMap((file) => ['--checkpoint', file])];
    const [alone, spread] = await Promise.all([runAudit([...args, '--threads', '1']), runAudit([...args, '--threads', '3'])]);
    expect(spread).toEqual(alone);
    return alone;
  };
  const verifyBundle = (bundle: string, key = keyFile) => runAudit(['verify-bundle', bundle, '--key', key]);

  it('passes the untouched store, so every failure below is the edit', async () => {
    const { exportFile, bundles } = await tamper('untouched', () => undefined, ['a', 'b', 'c']);
    const log = await verifyLog(exportFile, earlyFile, laterFile);
    expect(log.stdout).toMatch(/^OK log /m);
    expect(log.code).toBe(0);
    for (const bundle of Object.values(bundles)) expect((await verifyBundle(bundle!)).code).toBe(0);
  });

  it('finds one changed byte in the data of one event, and names that event with both hashes', async () => {
    const target = row('a', 2);
    const edited = target.envelope.replace('"kind":"shelter"', '"kind":"shelteR"');
    expect(Buffer.from(edited).length).toBe(Buffer.from(target.envelope).length);
    expect([...Buffer.from(edited)].filter((byte, i) => byte !== Buffer.from(target.envelope)[i])).toHaveLength(1);
    const { exportFile, bundles } = await tamper('one-byte', (db) => db.prepare('UPDATE events SET envelope = ? WHERE id = ?').run(edited, target.id), ['a']);
    const recomputed = envelopeHash(JSON.parse(edited) as SealedEnvelope);

    const log = await verifyLog(exportFile, earlyFile, laterFile);
    expect(log.code).toBe(1);
    expect(failLines(log.stdout)).toEqual([
      `FAIL ${named(target, leaf(target))}: its content does not hash to its stored hash: the event was changed after it was sealed (expected ${recomputed}, found ${target.hash})`,
    ]);

    const bundle = await verifyBundle(bundles.a!);
    expect(bundle.code).toBe(1);
    expect(failLines(bundle.stdout)).toEqual([
      `FAIL ${named(target, leaf(target))}: its content does not hash to its stored hash: the event was changed after it was sealed (expected ${recomputed}, found ${target.hash})`,
      expect.stringMatching(
        new RegExp(
          `^FAIL ${escape(named(target, leaf(target)))}: is not proven to be leaf ${leaf(target)} of the checkpoint's tree \\(size ${later}\\): root-mismatch`,
        ),
      ),
    ]);
  });

  it('finds a deleted event at the revision that follows it, and the checkpoints it breaks', async () => {
    const deleted = row('a', 3);
    const next = row('a', 4);
    const { exportFile, bundles } = await tamper('deleted-event', (db) => db.prepare('DELETE FROM events WHERE id = ?').run(deleted.id), ['a']);

    const log = await verifyLog(exportFile, earlyFile, laterFile);
    expect(log.code).toBe(1);
    const fails = failLines(log.stdout);
    expect(fails[0]).toBe(
      `FAIL ${named(next, leaf(next) - 1)}: revision 3 of stream ${stream('a')} is missing: this event follows revision 2 (expected revision 3, found revision 4)`,
    );
    expect(fails.slice(1)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^FAIL checkpoint ${escape(earlyFile)} \\(samverkan.local/ledger, size ${early}, root [0-9a-f]{64}\\): the first ${early} events of the log do not have the root it signed`,
        ),
      ),
      // The export is a read, logged before it is taken: its own access entry fills the place the deleted event left.
      expect.stringMatching(new RegExp(`^FAIL checkpoint ${escape(laterFile)} .*: the first ${later} events of the log do not have the root it signed`)),
    ]);

    const bundle = await verifyBundle(bundles.a!);
    expect(bundle.code).toBe(1);
    expect(failLines(bundle.stdout)).toEqual([
      `FAIL ${named(next, leaf(next))}: revision 3 of stream ${stream('a')} is missing: this event follows revision 2 (expected revision 3, found revision 4)`,
    ]);
  });

  it('finds two events of a case swapped, naming both', async () => {
    const [second, third] = [row('a', 2), row('a', 3)];
    const { exportFile, bundles } = await tamper(
      'swapped',
      (db) => {
        const update = db.prepare('UPDATE events SET envelope = ? WHERE id = ?');
        update.run(third.envelope, second.id);
        update.run(second.envelope, third.id);
      },
      ['a'],
    );

    const log = await verifyLog(exportFile, earlyFile, laterFile);
    expect(log.code).toBe(1);
    expect(failLines(log.stdout)).toEqual([
      `FAIL ${named(third, leaf(second))}: revision 2 of stream ${stream('a')} is missing: this event follows revision 1 (expected revision 2, found revision 3)`,
      `FAIL ${named(second, leaf(third))}: out of order: stream ${stream('a')} already reached revision 3 before this event (events reordered or repeated) (expected revision 4, found revision 2)`,
      expect.stringMatching(new RegExp(`^FAIL checkpoint ${escape(earlyFile)} .*: the first ${early} events of the log do not have the root it signed`)),
      expect.stringMatching(new RegExp(`^FAIL checkpoint ${escape(laterFile)} .*: the first ${later} events of the log do not have the root it signed`)),
    ]);
    expect((await verifyBundle(bundles.a!)).stdout).toContain(`FAIL ${named(third, leaf(third))}: revision 2 of stream ${stream('a')} is missing`);
  });

  it('finds two events of different cases swapped, which leaves every chain intact, by the signed root', async () => {
    const [ofC, ofA] = [row('c', 2), row('a', 5)];
    expect(ofA.position).toBe(ofC.position + 1);
    const { exportFile, refused } = await tamper(
      'swapped-across-cases',
      (db) => {
        const update = db.prepare('UPDATE events SET envelope = ? WHERE id = ?');
        update.run(ofA.envelope, ofC.id);
        update.run(ofC.envelope, ofA.id);
      },
      ['a', 'c'],
    );
    // The service will not make a bundle with an event it never sealed as part of that case, and names it.
    expect(refused.a).toEqual({
      status: 409,
      detail: expect.stringContaining(`event ${ofC.id} (${stream('c')} revision 2) as stored was never sealed by the ledger as part of this case`),
    });
    expect(refused.c).toEqual({
      status: 409,
      detail: expect.stringContaining(`event ${ofA.id} (${stream('a')} revision 5) as stored was never sealed by the ledger as part of this case`),
    });

    const log = await verifyLog(exportFile, earlyFile, laterFile);
    expect(log.code).toBe(1);
    expect(log.stdout).toContain(`ok   checkpoint ${earlyFile}`);
    expect(failLines(log.stdout)).toEqual([
      `FAIL checkpoint ${laterFile} (samverkan.local/ledger, size ${later}, root ${rootOf(laterFile)}): the first ${later} events of the log do not have the root it signed: ` +
        `events were changed, removed, reordered or inserted before leaf ${later}, or the history was rewritten (expected ${rootOf(laterFile)}, found ${rootOfExport(exportFile)})`,
    ]);
  });

  it('finds a whole case deleted by the checkpoint that signed it', async () => {
    const { exportFile } = await tamper('deleted-case', (db) => db.prepare('DELETE FROM events WHERE stream = ?').run(stream('c')));
    const log = await verifyLog(exportFile, earlyFile, laterFile);
    expect(log.code).toBe(1);
    expect(log.stdout).toContain(`ok   checkpoint ${earlyFile}`);
    expect(failLines(log.stdout)).toEqual([
      // (and the export's own access entry, logged before it was taken)
      `FAIL checkpoint ${laterFile} (samverkan.local/ledger, size ${later}, root ${rootOf(laterFile)}): the log ends after ${later - 2} events, but this checkpoint signed a log of ${later}: events were removed or the log was truncated (expected ${later} events, found ${later - 2} events)`,
    ]);
  });

  it('finds the log truncated after a checkpoint by the later checkpoint', async () => {
    const { exportFile } = await tamper('truncated', (db) => db.prepare('DELETE FROM events WHERE position > ?').run(early));
    const log = await verifyLog(exportFile, earlyFile, laterFile);
    expect(log.code).toBe(1);
    expect(log.stdout).toContain(`ok   checkpoint ${earlyFile}`);
    expect(failLines(log.stdout)).toEqual([
      // (and the export's own access entry, logged before it was taken)
      `FAIL checkpoint ${laterFile} (samverkan.local/ledger, size ${later}, root ${rootOf(laterFile)}): the log ends after ${early + 1} events, but this checkpoint signed a log of ${later}: events were removed or the log was truncated (expected ${later} events, found ${early + 1} events)`,
    ]);
  });

  it('finds chain-correct events added to the store file after the last checkpoint, which no signature covers', async () => {
    // Sealed as the service seals them, continuing case b's chain, and written where the service would write them.
    const head = row('b', 3);
    const added = sealEvents(stream('b'), { revision: head.revision, hash: head.hash }, [
      {
        id: '01a00000-0000-7000-8000-00000000ad01',
        type: head.event.type,
        schemaVersion: head.event.schemaVersion,
        data: head.event.data,
        metadata: head.event.metadata,
      },
      {
        id: '01a00000-0000-7000-8000-00000000ad02',
        type: head.event.type,
        schemaVersion: head.event.schemaVersion,
        data: head.event.data,
        metadata: head.event.metadata,
      },
    ]);
    const { exportFile } = await tamper(
      'appended',
      (db) => {
        const insert = db.prepare('INSERT INTO events (stream, revision, id, type, hash, envelope) VALUES (?, ?, ?, ?, ?, ?)');
        for (const event of added) insert.run(event.stream, event.revision, event.id, event.type, event.hash, serializeEnvelope(event));
      },
      [],
      later + 2,
    );

    const log = await verifyLog(exportFile, earlyFile, laterFile);
    expect(log.code).toBe(1);
    expect(log.stdout).toContain(`ok   checkpoint ${earlyFile}`);
    expect(log.stdout).toContain(`ok   checkpoint ${laterFile}`);
    expect(failLines(log.stdout)).toEqual([
      `FAIL ${named(added[0], later)}: is the first event no signature covers: the largest checkpoint signed by the ledger key, ` +
        `checkpoint ${laterFile} (samverkan.local/ledger, size ${later}, root ${rootOf(laterFile)}), signs only the first ${later} events (leaves 0 to ${later - 1}); ` +
        `it and the 1 after it, 2 events in all. Events past a signed checkpoint may have been appended by anyone (expected ${later} signed events, found ${later + 2} events)`,
    ]);
  });

  it('refuses checkpoints signed with the genuine ledger key, but for another origin, or signed twice', async () => {
    const { exportFile } = await tamper('foreign-origin', () => undefined);
    // Whoever holds the ledger key (here taken from the service's data directory) signs the genuine tree head under another origin.
    const ledgerKey = createPrivateKey(readFileSync(join(genuineDir, 'ledger-key.pem'), 'utf8'));
    const body = parseCheckpointBody(laterFile);
    const foreign = saveFile(
      dir,
      'foreign.checkpoint',
      signCheckpoint({ ...body, origin: 'samverkan.local/ledger-copy' }, ed25519NoteSigner('samverkan.local/ledger', ledgerKey)),
    );
    const log = await verifyLog(exportFile, foreign);
    expect(log.code).toBe(1);
    expect(failLines(log.stdout)[0]).toBe(
      `FAIL checkpoint ${foreign} (samverkan.local/ledger-copy, size ${later}, root ${rootOf(laterFile)}): its origin is "samverkan.local/ledger-copy", but the ledger key is named "samverkan.local/ledger": ` +
        `a log's checkpoints carry its key's name as their origin (C2SP tlog-checkpoint), so this is a checkpoint of another log, or the key is not this log's (expected samverkan.local/ledger, found samverkan.local/ledger-copy)`,
    );

    // The genuine later checkpoint with its signature line repeated is a malformed note.
    const note = readFileSync(laterFile, 'utf8');
    const twice = saveFile(dir, 'twice.checkpoint', note + note.slice(note.lastIndexOf('\n\n') + 2));
    const again = await verifyLog(exportFile, twice);
    expect(again.code).toBe(1);
    expect(failLines(again.stdout)[0]).toMatch(
      new RegExp(
        `^FAIL checkpoint ${escape(twice)}: is not a checkpoint signed by the ledger key .*: malformed signed note: known key samverkan\\.local/ledger\\+[0-9a-f]{8} signed it twice \\(signature lines 1 and 2\\)`,
      ),
    );
  });

  describe('a history rewritten and re-hashed consistently, then signed with another key', () => {
    let exportFile: string;
    let bundles: Partial<Record<keyof typeof cases, string>>;
    let forgedKey: ReturnType<typeof generateKeyPairSync>['privateKey'];
    let forgedCheckpoint: string;
    let forgedBundle: string;
    let rewritten: SealedEnvelope[];

    beforeAll(async () => {
      // Revision 2 of case a gets other data; it and every later event of the case are sealed again, so every
      // hash and every link checks out.
      const originals = genuine.filter((r) => r.stream === stream('a')).map((r) => r.event);
      const changed = { ...originals[2], data: { ...originals[2].data, kind: 'psychological' } };
      const draft = (e: SealedEnvelope) => ({ id: e.id, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata });
      rewritten = sealEvents(stream('a'), { revision: 1, hash: originals[1].hash }, [changed, ...originals.slice(3)].map(draft));
      ({ exportFile, bundles } = await tamper(
        'rewritten',
        (db) => {
          const update = db.prepare('UPDATE events SET envelope = ?, hash = ? WHERE id = ?');
          for (const event of rewritten) update.run(serializeEnvelope(event), event.hash, event.id);
        },
        ['a'],
      ));

      // The forger signs a checkpoint of the rewritten log, under the ledger's name but with its own key.
      const events = readFileSync(exportFile, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).event as SealedEnvelope);
      const tree = new MerkleTree(new InMemoryNodeStore());
      tree.append(events.map((e) => eventLeafHash(e.hash)));
      forgedKey = generateKeyPairSync('ed25519').privateKey;
      const signer = ed25519NoteSigner('samverkan.local/ledger', forgedKey);
      forgedCheckpoint = saveFile(
        dir,
        'forged.checkpoint',
        signCheckpoint({ origin: 'samverkan.local/ledger', size: later, root: tree.root(), extensions: [] }, signer),
      );

      // And a bundle of case a whose proofs lead to the forged checkpoint.
      const leafOf = new Map(events.map((e, i) => [e.id, i]));
      const bundle: AuditBundle = {
        format: AUDIT_BUNDLE_FORMAT,
        caseId: cases.a,
        stream: stream('a'),
        checkpoint: readFileSync(forgedCheckpoint, 'utf8'),
        verifierKey: verifierKey('samverkan.local/ledger', forgedKey),
        events: events
          .filter((e) => e.stream === stream('a'))
          .map((e) => ({ leafIndex: leafOf.get(e.id)!, event: e, inclusionProof: tree.inclusionProof(leafOf.get(e.id)!, later).map(toHex) })),
      };
      forgedBundle = saveFile(dir, 'forged-bundle.json', JSON.stringify(bundle));
    });

    it('verifies every hash and chain, but not against the genuine checkpoints, which it names', async () => {
      const log = await verifyLog(exportFile, earlyFile, laterFile);
      expect(log.code).toBe(1);
      const fails = failLines(log.stdout);
      expect(fails).toHaveLength(2); // no event fails: the rewrite is consistent
      for (const [file, size, line] of [
        [earlyFile, early, fails[0]],
        [laterFile, later, fails[1]],
      ] as const) {
        expect(line).toMatch(
          new RegExp(
            `^FAIL checkpoint ${escape(file)} \\(samverkan\\.local/ledger, size ${size}, root ${rootOf(file)}\\): the first ${size} events of the log do not have the root it signed: ` +
              `.*or the history was rewritten \\(expected ${rootOf(file)}, found [0-9a-f]{64}\\)$`,
          ),
        );
      }
    });

    it('refuses the forged checkpoint, which is signed by another key under the ledger name', async () => {
      const log = await verifyLog(exportFile, forgedCheckpoint);
      expect(log.code).toBe(1);
      expect(failLines(log.stdout)[0]).toMatch(
        new RegExp(
          `^FAIL checkpoint ${escape(forgedCheckpoint)}: is not a checkpoint signed by the ledger key samverkan\\.local/ledger\\+[0-9a-f]{8}\\+.*: the note is not signed by any known key: samverkan\\.local/ledger\\+[0-9a-f]{8} has the name of known key .* but another key id`,
        ),
      );
      // Only the key gives it away: with the forger's key the rewritten log is consistent with the forged checkpoint.
      const forgerKey = saveFile(dir, 'forger.vkey', verifierKey('samverkan.local/ledger', forgedKey));
      expect((await runAudit(['verify-log', exportFile, '--key', forgerKey, '--checkpoint', forgedCheckpoint])).code).toBe(0);
    });

    it('refuses the forged bundle for its checkpoint, even though the bundle carries the forger key', async () => {
      const bundle = await verifyBundle(forgedBundle);
      expect(bundle.code).toBe(1);
      expect(failLines(bundle.stdout)).toEqual([
        expect.stringMatching(/^FAIL checkpoint of bundle .*forged-bundle\.json: is not a checkpoint signed by the given key/),
      ]);
      expect(bundle.stderr).toContain('note: the bundle carries verifier key');
    });

    it('names every rewritten event in the bundle the service hands out, whose proofs are of the genuine tree', async () => {
      const bundle = await verifyBundle(bundles.a!);
      expect(bundle.code).toBe(1);
      const leaves = new Map(genuine.map((r, i) => [r.id, i]));
      expect(failLines(bundle.stdout)).toEqual(
        rewritten.map((e) =>
          expect.stringMatching(
            new RegExp(`^FAIL ${escape(named(e, leaves.get(e.id)!))}: is not proven to be leaf ${leaves.get(e.id)} of the checkpoint's tree .*root-mismatch`),
          ),
        ),
      );
    });

    it('cannot be passed off as an extension of the genuine early checkpoint', async () => {
      const run = await runAudit(['verify-consistency', earlyFile, forgedCheckpoint, '--key', keyFile, '--proof', saveFile(dir, 'none.json', '{}')]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(new RegExp(`^FAIL checkpoint ${escape(forgedCheckpoint)}: is not a checkpoint signed by the ledger key`, 'm'));
    });
  });

  function rootOfExport(exportFile: string): string {
    const tree = new MerkleTree(new InMemoryNodeStore());
    tree.append(
      readFileSync(exportFile, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => eventLeafHash(JSON.parse(line).event.hash)),
    );
    return toHex(tree.root());
  }

  function parseCheckpointBody(checkpointFile: string) {
    const key = parseVerifierKey(readFileSync(keyFile, 'utf8').trim());
    return openCheckpoint(readFileSync(checkpointFile, 'utf8'), key).checkpoint;
  }

  function rootOf(checkpointFile: string): string {
    const key = parseVerifierKey(readFileSync(keyFile, 'utf8').trim());
    return toHex(openCheckpoint(readFileSync(checkpointFile, 'utf8'), key).checkpoint.root);
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
