import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ed25519NoteSigner,
  ExportLine,
  openCheckpoint,
  parseCheckpoint,
  parseVerifierKey,
  signCheckpoint,
  toHex,
  verifierKey,
  verifyCosignature,
} from '@samverkan/ledger';
import { caseStream, SealedEnvelope, sealEvents } from '@samverkan/sealing';
import inclusionProbes from '../libs/ledger/src/testing/fixtures/rfc6962-inclusion-probes.json';
import { CONSISTENCY_VECTORS } from '../libs/ledger/src/testing/consistency-vectors';
import { checkpointOfWholeStore, fetchText, runAudit, saveFile, scratchDir } from './support/audit-cli';
import { AgencyClient, RunningService } from './support/running-service';

jest.setTimeout(60_000);

/**
 * The offline audit CLI, run as a child process on what the running service hands out: its key, signed
 * checkpoints, a case's audit bundle, the full export and consistency proofs.
 */
describe('samverkan-audit', () => {
  let service: RunningService;
  let police: AgencyClient;
  let dir: string;
  let caseA: string;
  let caseB: string;
  const files: Record<'key' | 'early' | 'later' | 'bundle' | 'export' | 'proof' | 'served', string> = {} as never;
  let early: { note: string; size: number };
  let later: { note: string; size: number };

  beforeAll(async () => {
    service = await RunningService.start({ env: { SAMVERKAN_CHECKPOINT_INTERVAL_MS: '0' } });
    dir = scratchDir('audit-cli');
    police = await service.as('polisen-malmo', 'officer-17');
    const goteborg = await service.as('polisen-goteborg', 'officer-4');
    const auditor = await service.as('internrevisionen', 'auditor-1');

    caseA = (await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult', gender: 'female' }, exploitation: 'sexual-exploitation' })).body
      .caseId;
    expect((await police.post(`/cases/${caseA}/support`, { kind: 'shelter', providedOn: '2026-03-02' })).status).toBe(201);
    expect((await police.post(`/cases/${caseA}/consent`, { scope: 'share-with-social-services', given: true, by: 'person', on: '2026-03-02' })).status).toBe(
      201,
    );
    early = await checkpointOfWholeStore(service, police.token);

    caseB = (await goteborg.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' }, exploitation: 'forced-labour' })).body.caseId;
    expect((await goteborg.post(`/cases/${caseB}/cooperation`, { status: 'willing' })).status).toBe(201);
    expect((await police.post(`/cases/${caseA}/cooperation`, { status: 'willing' })).status).toBe(201);
    expect((await police.post(`/cases/${caseA}/investigations`, { reference: '5000-K123456-26' })).status).toBe(201);
    expect((await police.post('/cases', { subject: { category: 'sex-buyer', ageGroup: 'adult' } })).status).toBe(201);
    later = await checkpointOfWholeStore(service, police.token);
    expect(later.size).toBeGreaterThan(early.size);

    files.key = saveFile(dir, 'ledger.vkey', (await fetchText(service, '/ledger/key')).text);
    files.early = saveFile(dir, 'early.checkpoint', (await fetchText(service, `/ledger/checkpoints?size=${early.size}`, { token: police.token })).text);
    files.later = saveFile(dir, 'later.checkpoint', (await fetchText(service, `/ledger/checkpoints?size=${later.size}`, { token: police.token })).text);
    const bundle = await fetchText(service, `/cases/${caseA}/audit-bundle`, { token: police.token });
    expect(bundle.status).toBe(200);
    files.bundle = saveFile(dir, 'bundle.json', bundle.text);
    const exported = await fetchText(service, '/ledger/export', { token: auditor.token });
    expect(exported.status).toBe(200);
    files.export = saveFile(dir, 'export.ndjson', exported.text);
    const proof = await fetchText(service, `/ledger/proofs/consistency?from=${early.size}&to=${later.size}`, { token: police.token });
    expect(proof.status).toBe(200);
    files.proof = saveFile(dir, 'proof.json', proof.text);
    // As the README makes proofs.jsonl: the API's answers, each with the kind it is added (jq -c '. + {kind: …}').
    const eventId = JSON.parse(bundle.text).events[0].event.id;
    const inclusion = await fetchText(service, `/ledger/proofs/inclusion?eventId=${eventId}`, { token: police.token });
    expect(inclusion.status).toBe(200);
    const served = [
      { ...JSON.parse(inclusion.text), kind: 'inclusion' },
      { ...JSON.parse(proof.text), kind: 'consistency' },
    ];
    files.served = saveFile(dir, 'proofs.jsonl', served.map((line) => JSON.stringify(line)).join('\n') + '\n');
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('verify-bundle', () => {
    it('verifies a case bundle offline with the published key, and says what that proves', async () => {
      const run = await runAudit(['verify-bundle', files.bundle, '--key', files.key]);
      expect(run).toMatchObject({ code: 0 });
      const last = JSON.parse(readFileSync(files.bundle, 'utf8')).events.length - 1;
      const key = readFileSync(files.key, 'utf8').trim();
      expect(run.stdout).toBe(
        `OK bundle ${files.bundle}: case ${caseA}: revisions 0..${last} of case-${caseA} are in checkpoint ${later.size} (samverkan.local/ledger, signed by ${key}); ` +
          `events after revision ${last}, if any, are not covered by this bundle\n`,
      );
    });

    it('checks the bundle is of the case given with --case', async () => {
      expect((await runAudit(['verify-bundle', files.bundle, '--key', files.key, '--case', caseA])).code).toBe(0);
      const other = await runAudit(['verify-bundle', files.bundle, '--key', files.key, '--case', caseB]);
      expect(other.code).toBe(1);
      expect(other.stdout).toMatch(
        new RegExp(`^FAIL bundle .*bundle\\.json: is for case ${caseA}, not for case ${caseB} \\(--case\\) \\(expected ${caseB}, found ${caseA}\\)$`, 'm'),
      );
      expect(other.stdout).toMatch(
        new RegExp(`^FAIL event .*: belongs to stream case-${caseA}, not to stream case-${caseB} of case ${caseB} \\(--case\\)`, 'm'),
      );
    });

    it('fails a bundle that names no case', async () => {
      const { caseId, ...rest } = JSON.parse(readFileSync(files.bundle, 'utf8'));
      expect(caseId).toBe(caseA);
      const run = await runAudit(['verify-bundle', saveFile(dir, 'no-case.json', JSON.stringify(rest)), '--key', files.key]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^FAIL bundle .*no-case\.json: names no case \(found caseId missing\): a bundle must say which case it is for$/m);
    });

    it("checks with --server that the case's timeline has nothing after the bundle", async () => {
      const run = await runAudit(['verify-bundle', files.bundle, '--key', files.key, '--case', caseA, '--server', service.baseUrl, '--token', police.token]);
      const last = JSON.parse(readFileSync(files.bundle, 'utf8')).events.length - 1;
      expect(run.stdout).toMatch(
        new RegExp(`; the server shows no events after revision ${last} \\(GET ${escape(service.baseUrl)}/cases/${caseA}/timeline\\)$`, 'm'),
      );
      expect(run.code).toBe(0);
    });

    it('accepts the key as text as well as a file', async () => {
      const key = readFileSync(files.key, 'utf8').trim();
      expect((await runAudit(['verify-bundle', files.bundle, '--key', key])).code).toBe(0);
    });

    it('checks the checkpoint with the key it is given, not the one the bundle carries', async () => {
      const otherKey = verifierKey('samverkan.local/ledger', generateKeyPairSync('ed25519').publicKey);
      const run = await runAudit(['verify-bundle', files.bundle, '--key', otherKey]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^FAIL checkpoint of bundle .*bundle\.json: is not a checkpoint signed by the given key samverkan\.local\/ledger\+/m);
      expect(run.stdout).toMatch(/has the name of known key .* but another key id/);
    });
  });

  describe('verify-log', () => {
    it('recomputes every hash, chain and the root, and matches both signed checkpoints', async () => {
      const run = await runAudit(['verify-log', files.export, '--key', files.key, '--checkpoint', files.early, '--checkpoint', files.later]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`ok   checkpoint ${files.early} (samverkan.local/ledger, size ${early.size}`);
      expect(run.stdout).toContain(`ok   checkpoint ${files.later} (samverkan.local/ledger, size ${later.size}`);
      // 3 cases, and the person record each case opened without one registers for its subject.
      expect(run.stdout).toMatch(
        new RegExp(
          `^OK log .*: ${later.size} events in 6 streams, every hash and chain verified; 2 checkpoints matched, and every event lies within the largest, of size ${later.size}$`,
          'm',
        ),
      );
    });

    it('refuses to run without a checkpoint, which nothing would be checked against (a usage error)', async () => {
      const run = await runAudit(['verify-log', files.export, '--key', files.key]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        /^samverkan-audit verify-log: no checkpoint given: hashes and chains that check out prove nothing until a checkpoint signed by the ledger key covers them/,
      );
    });

    it('fetches the latest checkpoint with --server and checks the export against it', async () => {
      const run = await runAudit(['verify-log', files.export, '--key', files.key, '--server', service.baseUrl, '--token', police.token]);
      expect(run.stderr).toBe('');
      const { root } = parseCheckpoint(openCheckpoint(readFileSync(files.later, 'utf8'), parseVerifierKey(readFileSync(files.key, 'utf8').trim())).note.text);
      expect(run.stdout).toContain(
        `ok   checkpoint from GET ${service.baseUrl}/ledger/checkpoint (samverkan.local/ledger, size ${later.size}, root ${toHex(root)}): the first ${later.size} events of the log have the root it signed`,
      );
      expect(run.stdout).toContain(`size ${later.size}\nroot ${toHex(root)}\n`);
      expect(run.code).toBe(0);
    });

    it('fails chain-correct events appended after the checkpoint, naming the first and counting them', async () => {
      const lines = readFileSync(files.export, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as ExportLine);
      const last = lines
        .map((line) => line.event)
        .filter((event) => event.stream === caseStream(caseA))
        .at(-1)!;
      const extra = sealEvents(
        caseStream(caseA),
        { revision: last.revision, hash: last.hash },
        [1, 2].map(() => ({
          id: randomUUID(),
          type: 'SupportRecorded',
          schemaVersion: 1,
          data: { kind: 'shelter', providedOn: '2026-03-09' },
          metadata: last.metadata,
        })),
      );
      const appended = saveFile(
        dir,
        'appended.ndjson',
        [...lines, ...extra.map((event, i) => ({ index: later.size + i, event }))].map((line) => `${JSON.stringify(line)}\n`).join(''),
      );
      const first = (event: SealedEnvelope) =>
        `FAIL event ${event.id} (stream case-${caseA}, revision ${event.revision}, leaf ${later.size}): is the first event no signature covers`;

      const withFile = await runAudit(['verify-log', appended, '--key', files.key, '--checkpoint', files.early, '--checkpoint', files.later]);
      expect(withFile.code).toBe(1);
      expect(withFile.stdout).toContain(`ok   checkpoint ${files.later}`);
      expect(withFile.stdout.split('\n').filter((line) => line.startsWith('FAIL '))).toEqual([
        `${first(extra[0])}: the largest checkpoint signed by the ledger key, checkpoint ${files.later} (samverkan.local/ledger, size ${later.size}, root ${rootOf(files.later)}), ` +
          `signs only the first ${later.size} events (leaves 0 to ${later.size - 1}); it and the 1 after it, 2 events in all. Events past a signed checkpoint may have been appended by anyone ` +
          `(expected ${later.size} signed events, found ${later.size + 2} events)`,
      ]);

      const withServer = await runAudit(['verify-log', appended, '--key', files.key, '--server', service.baseUrl, '--token', police.token]);
      expect(withServer.code).toBe(1);
      expect(withServer.stdout).toContain(
        `${first(extra[0])}: the largest checkpoint signed by the ledger key, checkpoint from GET ${service.baseUrl}/ledger/checkpoint`,
      );
    });

    it('fails when the server will not hand out its checkpoint without a token', async () => {
      const run = await runAudit(['verify-log', files.export, '--key', files.key, '--server', service.baseUrl]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        new RegExp(
          `^FAIL the server's latest checkpoint: could not be fetched: GET ${escape(service.baseUrl)}/ledger/checkpoint answered 401 \\(give a bearer token with --token or SAMVERKAN_TOKEN\\)`,
          'm',
        ),
      );
    });

    it('refuses a checkpoint whose origin is not the name of the ledger key', async () => {
      // Signed with a key named for the log, but over another origin: as if the log key signed for another log.
      const logKey = generateKeyPairSync('ed25519').privateKey;
      const genuine = parseCheckpoint(openCheckpoint(readFileSync(files.later, 'utf8'), parseVerifierKey(readFileSync(files.key, 'utf8').trim())).note.text);
      const note = signCheckpoint({ ...genuine, origin: 'elsewhere.example/log' }, ed25519NoteSigner('samverkan.local/ledger', logKey));
      const run = await runAudit([
        'verify-log',
        files.export,
        '--key',
        verifierKey('samverkan.local/ledger', logKey),
        '--checkpoint',
        saveFile(dir, 'elsewhere.checkpoint', note),
      ]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /^FAIL checkpoint .*elsewhere\.checkpoint \(elsewhere\.example\/log, size \d+, root [0-9a-f]{64}\): its origin is "elsewhere\.example\/log", but the ledger key is named "samverkan\.local\/ledger"/m,
      );
    });
  });

  describe('verify-consistency', () => {
    it('proves the later checkpoint extends the earlier with a proof fetched from the server', async () => {
      const run = await runAudit(['verify-consistency', files.early, files.later, '--key', files.key, '--server', service.baseUrl, '--token', police.token]);
      expect(run.stdout).toMatch(/^OK checkpoint .*later\.checkpoint .* extends checkpoint .*early\.checkpoint .*: consistency proof from GET http/m);
      expect(run.code).toBe(0);
    });

    it('takes the token from SAMVERKAN_TOKEN', async () => {
      const run = await runAudit(['verify-consistency', files.early, files.later, '--key', files.key, '--server', service.baseUrl], {
        env: { SAMVERKAN_TOKEN: police.token },
      });
      expect(run.code).toBe(0);
    });

    it('proves it with a proof from a file', async () => {
      const run = await runAudit(['verify-consistency', files.early, files.later, '--key', files.key, '--proof', files.proof]);
      expect(run.stdout).toContain(`consistency proof from ${files.proof} verified`);
      expect(run.code).toBe(0);
    });

    it('refuses the checkpoints in the wrong order', async () => {
      const run = await runAudit(['verify-consistency', files.later, files.early, '--key', files.key, '--proof', files.proof]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/FAIL checkpoint .*early\.checkpoint .*: is not proven to extend .*: size-order: size \d+ is smaller/);
    });

    it('refuses a proof with an altered hash, naming the failed check', async () => {
      const proof = JSON.parse(readFileSync(files.proof, 'utf8'));
      proof.proof[0] = proof.proof[0].replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
      const altered = saveFile(dir, 'altered-proof.json', JSON.stringify(proof));
      const run = await runAudit(['verify-consistency', files.early, files.later, '--key', files.key, '--proof', altered]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/FAIL checkpoint .*later\.checkpoint .*is not proven to extend .*: root[12]?-mismatch/);
    });

    it('says so when the server wants a token it was not given', async () => {
      const run = await runAudit(['verify-consistency', files.early, files.later, '--key', files.key, '--server', service.baseUrl]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/answered 401 \(give a bearer token with --token or SAMVERKAN_TOKEN\)/);
    });
  });

  describe('against the server, once the log has grown', () => {
    let before: number;

    beforeAll(async () => {
      before = JSON.parse(readFileSync(files.bundle, 'utf8')).events.length;
      expect((await police.post(`/cases/${caseA}/support`, { kind: 'legal-counsel', providedOn: '2026-03-10' })).status).toBe(201);
      expect((await police.post(`/cases/${caseA}/consent`, { scope: 'share-with-social-services', given: false, by: 'person', on: '2026-03-10' })).status).toBe(
        201,
      );
      const grown = await checkpointOfWholeStore(service, police.token);
      expect(grown.size).toBeGreaterThanOrEqual(later.size + 2); // and the reads since, which the access log seals
    });

    it('verify-log ties the older export to the latest checkpoint with a consistency proof', async () => {
      const run = await runAudit(['verify-log', files.export, '--key', files.key, '--server', service.baseUrl, '--token', police.token]);
      expect(run.stdout).toMatch(
        new RegExp(
          // How far it grew depends on the reads since, which the access log seals as well.
          `^ok   checkpoint from GET ${escape(service.baseUrl)}/ledger/checkpoint \\(samverkan\\.local/ledger, size \\d+, root [0-9a-f]{64}\\): ` +
            `the log grew to \\d+ events after the export was taken; the export's ${later.size} events are its first ${later.size}: consistency proof from GET .* verified`,
          'm',
        ),
      );
      expect(run.code).toBe(0);
    });

    it('verify-bundle --server names the first revision of the case the bundle does not cover', async () => {
      const run = await runAudit(['verify-bundle', files.bundle, '--key', files.key, '--server', service.baseUrl, '--token', police.token]);
      expect(run.code).toBe(1);
      const timeline = (await police.get(`/cases/${caseA}/timeline`)).body;
      const first = timeline.events.find((event: { revision: number }) => event.revision === before);
      expect(run.stdout.split('\n').filter((line) => line.startsWith('FAIL '))).toEqual([
        `FAIL case ${caseA}: the server's timeline (GET ${service.baseUrl}/cases/${caseA}/timeline) has 2 events after the bundle's last revision ${before - 1}, which this bundle does not cover; ` +
          `the first missing is revision ${before} (event ${first.id}, ${first.type}): fetch a new bundle (expected last revision ${before - 1}, found last revision ${before + 1})`,
      ]);
      // Offline, the same bundle still proves what it covers, and says it covers nothing after.
      expect((await runAudit(['verify-bundle', files.bundle, '--key', files.key])).stdout).toContain(
        `events after revision ${before - 1}, if any, are not covered by this bundle`,
      );
    });
  });

  describe('witness', () => {
    const name = 'witness.polisen-malmo.example/w1';
    let state: string;
    let witnessKey: string;
    let witnessVkey: string;
    const body = (file: string) => openCheckpoint(readFileSync(file, 'utf8'), parseVerifierKey(readFileSync(files.key, 'utf8').trim())).note.text;
    const witness = (checkpoint: string, ...extra: string[]) =>
      runAudit(['witness', '--state', state, '--key', witnessKey, '--name', name, '--log-key', files.key, checkpoint, ...extra]);
    const stateFile = () => join(state, 'samverkan.local%2Fledger.checkpoint.json');
    const stored = () => JSON.parse(readFileSync(stateFile(), 'utf8'));

    beforeAll(async () => {
      state = join(dir, 'witness-state');
      witnessKey = join(dir, 'witness.pem');
      const created = await runAudit(['witness-key', '--name', name, '--out', witnessKey]);
      expect(created.code).toBe(0);
      witnessVkey = created.stdout.trim();
      expect(witnessVkey).toMatch(/^witness\.polisen-malmo\.example\/w1\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
      expect(Buffer.from(witnessVkey.split('+').slice(2).join('+'), 'base64')[0]).toBe(0x04); // a cosignature/v1 key
    });

    it('will not overwrite an existing key file', async () => {
      const again = await runAudit(['witness-key', '--name', name, '--out', witnessKey]);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/cannot write the key to .*witness\.pem: EEXIST/);
    });

    it('accepts the first checkpoint of a log on trust, says so, saves it and cosigns it', async () => {
      const run = await witness(files.early);
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('trust on first use');
      expect(stored()).toMatchObject({ origin: 'samverkan.local/ledger', size: early.size });
      expect(verifyCosignature(run.stdout, body(files.early), witnessVkey).time).toBeGreaterThan(1_700_000_000);
      expect(readdirSync(state).sort()).toEqual(['samverkan.local%2Fledger.checkpoint.json']); // no temp or lock file left
    });

    it('refuses a larger checkpoint without a consistency proof, and keeps its state', async () => {
      const run = await witness(files.later);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/refused checkpoint .*later\.checkpoint .*needs a consistency proof: give --proof <file> or --server <url>/);
      expect(stored().size).toBe(early.size);
    });

    it('accepts a later checkpoint with a valid consistency proof from the stored one', async () => {
      const run = await witness(files.later, '--proof', files.proof);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/accepted checkpoint .*: it extends the stored checkpoint .*consistency proof .* verified/);
      expect(verifyCosignature(run.stdout, body(files.later), witnessVkey)).toBeDefined();
      expect(stored().size).toBe(later.size);
    });

    it('cosigns the same checkpoint again', async () => {
      const run = await witness(files.later);
      expect(run.code).toBe(0);
      expect(verifyCosignature(run.stdout, body(files.later), witnessVkey)).toBeDefined();
    });

    it('refuses a smaller checkpoint than the one it holds', async () => {
      const run = await witness(files.early);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        new RegExp(
          `refused checkpoint .*early\\.checkpoint .*size ${early.size}.*: it is smaller than the stored checkpoint .*size ${later.size}.*a log never shrinks`,
        ),
      );
      expect(stored().size).toBe(later.size);
    });

    it('refuses a checkpoint signed by another key under the log name', async () => {
      const forgedKey = generateKeyPairSync('ed25519').privateKey;
      const genuine = parseCheckpoint(body(files.later));
      const forged = signCheckpoint({ ...genuine, root: Buffer.alloc(32, 7) }, ed25519NoteSigner('samverkan.local/ledger', forgedKey));
      const run = await witness(saveFile(dir, 'forged.checkpoint', forged));
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /refused checkpoint .*forged\.checkpoint: it is not a checkpoint signed by the log key .*the note is not signed by any known key/,
      );
      expect(stored().size).toBe(later.size);
    });

    it('refuses a checkpoint of another log than the one its log key names', async () => {
      const otherLog = generateKeyPairSync('ed25519').privateKey;
      const note = signCheckpoint(parseCheckpoint(body(files.later)), ed25519NoteSigner('other.example/log', otherLog));
      const otherKey = saveFile(dir, 'other-log.vkey', verifierKey('other.example/log', otherLog));
      const run = await runAudit([
        'witness',
        '--state',
        state,
        '--key',
        witnessKey,
        '--name',
        name,
        '--log-key',
        otherKey,
        saveFile(dir, 'other-log.checkpoint', note),
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/it is of log samverkan\.local\/ledger, but this witness checks log other\.example\/log/);
      expect(readdirSync(state)).toEqual(['samverkan.local%2Fledger.checkpoint.json']);
    });

    it('refuses a checkpoint of the size it holds but with another root: a fork', async () => {
      const genuine = stored();
      writeFileSync(stateFile(), JSON.stringify({ ...genuine, root: Buffer.alloc(32, 9).toString('base64') }));
      const run = await witness(files.later);
      writeFileSync(stateFile(), JSON.stringify(genuine));
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/it has the size of the stored checkpoint .* but another root: the log forked/);
    });

    it('refuses a proof that does not lead from the stored checkpoint', async () => {
      const grown = await grow();
      const proof = JSON.parse((await fetchText(service, `/ledger/proofs/consistency?from=${early.size}&to=${grown.size}`, { token: police.token })).text);
      const run = await witness(grown.file, '--proof', saveFile(dir, 'wrong-proof.json', JSON.stringify(proof)));
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`is from size ${early.size} to ${grown.size}, not from ${later.size} to ${grown.size}`));
      expect(stored().size).toBe(later.size);
    });

    it('accepts a grown log with a proof it fetches from the server', async () => {
      const grown = await grow();
      const run = await witness(grown.file, '--server', service.baseUrl, '--token', police.token);
      expect(run.stderr).toMatch(/consistency proof from GET .*\/ledger\/proofs\/consistency\?from=\d+&to=\d+ verified/);
      expect(run.code).toBe(0);
      expect(verifyCosignature(run.stdout, body(grown.file), witnessVkey)).toBeDefined();
      expect(stored().size).toBe(grown.size);
    });

    async function grow() {
      await police.post('/cases', { subject: { category: 'victim', ageGroup: 'adult' } });
      const signed = await checkpointOfWholeStore(service, police.token);
      return { ...signed, file: saveFile(dir, `grown-${signed.size}.checkpoint`, signed.note) };
    }
  });

  describe('proof-check', () => {
    const inclusion = inclusionProbes.probes.map((p) => ({
      line: `{"kind":"inclusion","leafIndex":${p.file.endsWith('leafIdx-sub-@1.json') ? '18446744073709551615' : p.leafIdx},"treeSize":${p.treeSize},"leafHash":${JSON.stringify(p.leafHash)},"proof":${JSON.stringify(p.proof)},"root":${JSON.stringify(p.root)}}`,
      wantErr: p.wantErr,
    }));
    // As this project answers them: every proof from size 0 refused (consistency-vectors.ts).
    const consistency = CONSISTENCY_VECTORS.map((p) => ({
      line: JSON.stringify({ kind: 'consistency', size1: p.size1, size2: p.size2, root1: p.root1, root2: p.root2, proof: p.proof }),
      wantErr: p.wantErr,
    }));

    it('answers every public RFC 6962 probe as the vectors want, one line each, in order', async () => {
      const probes = [...inclusion, ...consistency];
      expect(probes.filter((p) => p.wantErr).length).toBeGreaterThan(10);
      const run = await runAudit(['proof-check', saveFile(dir, 'probes.jsonl', probes.map((p) => p.line).join('\n') + '\n')]);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(probes.length);
      expect(lines.map((line) => (line === 'ok' ? 'ok' : line.startsWith('reject: ') ? 'reject' : line))).toEqual(
        probes.map((p) => (p.wantErr ? 'reject' : 'ok')),
      );
      expect(run.code).toBe(1);
    });

    it('rejects every consistency proof from size 0 alike, to size 0 as to any other', async () => {
      const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
      const lines = [
        { kind: 'consistency', size1: 0, size2: 0, root1: empty, root2: empty, proof: [] },
        { kind: 'consistency', size1: 0, size2: 3, root1: empty, root2: empty.replace('e3', 'aa'), proof: [] },
      ].map((line) => JSON.stringify(line));
      const run = await runAudit(['proof-check', saveFile(dir, 'from-empty.jsonl', lines.join('\n') + '\n')]);
      expect(run.stdout.trimEnd().split('\n')).toEqual([
        expect.stringMatching(/^reject: from-empty-tree: /),
        expect.stringMatching(/^reject: from-empty-tree: /),
      ]);
      expect(run.code).toBe(1);
    });

    it('rejects a line that is not a proof with the reason, and goes on', async () => {
      const happy = inclusion.find((p) => !p.wantErr)!.line;
      const input = [happy, '{"kind":"inclusion",', '[1,2]', '{"kind":"audit"}', '{"kind":"consistency","size1":1}', '', happy].join('\n');
      const run = await runAudit(['proof-check', saveFile(dir, 'mixed.jsonl', input)]);
      expect(run.stdout.split('\n')).toEqual([
        'ok',
        expect.stringMatching(/^reject: bad-json: /),
        'reject: bad-input: a line must be a JSON object',
        'reject: bad-input: kind must be "inclusion" or "consistency", not "audit"',
        'reject: bad-input: size2 must be a number, not missing',
        'reject: bad-json: the line is empty',
        'ok',
        '',
      ]);
      expect(run.code).toBe(1);
    });

    it('checks the proofs the API serves, each with its kind added, as the README shows', async () => {
      const run = await runAudit(['proof-check', files.served]);
      expect(run).toMatchObject({ stdout: 'ok\nok\n', code: 0 });
    });

    it('exits 0 when every proof verifies', async () => {
      const good = [...inclusion, ...consistency].filter((p) => !p.wantErr).map((p) => p.line);
      const run = await runAudit(['proof-check', saveFile(dir, 'good.jsonl', good.join('\n'))]);
      expect(run.stdout).toBe('ok\n'.repeat(good.length));
      expect(run.code).toBe(0);
    });
  });

  describe('the command line', () => {
    it('explains itself', async () => {
      const run = await runAudit(['--help']);
      expect(run.code).toBe(0);
      for (const command of ['verify-bundle', 'verify-log', 'verify-consistency', 'witness', 'witness-key', 'proof-check'])
        expect(run.stdout).toContain(command);
    });

    it('explains what verify-log and verify-bundle need and prove', async () => {
      const log = await runAudit(['verify-log', '--help']);
      expect(log.code).toBe(0);
      expect(log.stdout).toContain('[--checkpoint <file> ...] [--server <url> [--token <jwt>]]');
      expect(log.stdout.replace(/\s+/g, ' ')).toContain('at least one checkpoint is required');
      const bundle = await runAudit(['verify-bundle', '--help']);
      expect(bundle.code).toBe(0);
      expect(bundle.stdout).toContain('[--case <case id>] [--server <url> [--token <jwt>]]');
      expect(bundle.stdout.replace(/\s+/g, ' ')).toContain('It cannot show that the case has no later events');
    });

    it.each([
      [['frobnicate'], /unknown command "frobnicate"/],
      [[], /no command given/],
      [['verify-log', 'export.ndjson'], /verify-log: --key is required/],
      [['verify-log', 'export.ndjson', '--key', 'k'], /verify-log: no checkpoint given: /],
      [['verify-log', 'export.ndjson', '--key', 'k', '--checkpoint', 'c', '--token', 't'], /--token is only used with --server/],
      [['verify-bundle', 'bundle.json', '--key', 'k', '--case', 'case-x'], /--case takes the case id, not the name of its stream: give --case x/],
      [['verify-bundle', '--key', 'x'], /expected 1 file argument\(s\), got 0/],
      [['verify-log', 'x.ndjson', '--key', 'k', '--verbose'], /Unknown option '--verbose'/],
      [['verify-bundle', '/nonexistent/bundle.json', '--key', 'samverkan.local/ledger+00000000+AQ=='], /is not a verifier key/],
    ])('refuses %j as a usage error', async (args, message) => {
      const run = await runAudit(args as string[]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('usage: samverkan-audit');
    });

    it('names a file it cannot read as a usage error', async () => {
      const run = await runAudit(['verify-bundle', join(dir, 'missing.json'), '--key', files.key]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/cannot read the bundle .*missing\.json: ENOENT/);
    });
  });
});

function rootOf(checkpointFile: string): string {
  const key = parseVerifierKey(readFileSync(join(checkpointFile, '..', 'ledger.vkey'), 'utf8').trim());
  return toHex(openCheckpoint(readFileSync(checkpointFile, 'utf8'), key).checkpoint.root);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
