import { generateKeyPairSync } from 'node:crypto';
import { statSync } from 'node:fs';
import { toHex } from '@samverkan/ledger';
import { SealedEnvelope } from '@samverkan/sealing';
import { FixtureLedger, LOG_NAME, runCli, sealOnto, StubServer } from './testing/fixture-ledger';

/** How verify-log names an event at a leaf. */
const named = (event: SealedEnvelope, leaf: number) => `event ${event.id} (stream ${event.stream}, revision ${event.revision}, leaf ${leaf})`;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('verify-log', () => {
  let ledger: FixtureLedger;
  let exportFile: string;
  let checkpointFile: string;
  let early: number;
  let signed: number;

  beforeAll(() => {
    ledger = new FixtureLedger();
    ledger.append('a', 3);
    ledger.append('b', 2);
    early = ledger.events.length;
    ledger.append('a', 2);
    signed = ledger.events.length;
    exportFile = ledger.save('export.ndjson', ledger.exportText());
    checkpointFile = ledger.save('latest.checkpoint', ledger.checkpoint());
  });

  afterAll(() => ledger.remove());

  const verifyLog = (file: string, ...extra: string[]) => runCli(['verify-log', file, '--key', ledger.keyFile, ...extra]);

  it('passes an export that the given checkpoint signs, event for event', async () => {
    const run = await verifyLog(exportFile, '--checkpoint', checkpointFile);
    expect(run.fails).toEqual([]);
    expect(run.stdout).toContain(
      `ok   checkpoint ${checkpointFile} (${LOG_NAME}, size ${signed}, root ${toHex(ledger.root())}): the first ${signed} events of the log have the root it signed`,
    );
    expect(run.stdout).toMatch(
      new RegExp(
        `^OK log ${escape(exportFile)}: ${signed} events in 2 streams, every hash and chain verified; 1 checkpoint matched, and every event lies within the largest, of size ${signed}$`,
        'm',
      ),
    );
    expect(run.code).toBe(0);
  });

  it('reads the export with CRLF line ends, and without a newline after its last line, as the same events', async () => {
    const text = ledger.exportText();
    for (const variant of [text.replace(/\n/g, '\r\n'), text.replace(/\n$/, '')]) {
      const run = await verifyLog(ledger.save('variant.ndjson', variant), '--checkpoint', checkpointFile);
      expect(run.fails).toEqual([]);
      expect(run.stdout).toContain(`OK log`);
    }
  });

  describe('on several threads', () => {
    /** An export of many runs of lines (a run is read and checked at a time), with damage of every kind spread over them. */
    let big: FixtureLedger;
    let damaged: string;

    beforeAll(() => {
      big = new FixtureLedger();
      for (let i = 0; i < 6; i += 1) big.append(`case-${i}`, 500);
      const lines = big.exportText().split('\n');
      lines[10] = lines[10].slice(0, 40); // cut short: not JSON
      lines[700] = lines[700].replace('"n":', '"n":1'); // edited data
      lines[1300] = lines[1300].replace('{"index":1300,', '{"index":7,'); // misnumbered
      lines[2100] = '{"index":2100,"event":[]}'; // not an envelope
      [lines[2600], lines[2601]] = [lines[2601], lines[2600]]; // two events swapped
      damaged = big.save('damaged.ndjson', lines.join('\n'));
      expect(statSync(damaged).size).toBeGreaterThan(4 * 256 * 1024);
    });

    afterAll(() => big.remove());

    it('reports the same as one thread does, line for line, whatever the number of threads', async () => {
      const runs = await Promise.all(
        ['1', '2', '3'].map((threads) =>
          runCli(['verify-log', damaged, '--key', big.keyFile, '--checkpoint', big.save('big.checkpoint', big.checkpoint()), '--threads', threads]),
        ),
      );
      expect(runs[0].code).toBe(1);
      expect(runs[0].fails.map((line) => line.match(/leaf (\d+)/)?.[1])).toEqual([
        ...['10', '11'], // not JSON; its stream's next event misses it
        '700', // edited
        '1300', // misnumbered
        ...['2100', '2101'], // not an envelope; its stream's next event misses it
        ...['2600', '2600', '2601', '2601'], // swapped: each misnumbered and out of its stream's order
        '10', // the checkpoint, whose root cannot be recomputed past the line that is not JSON
      ]);
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[2]).toEqual(runs[0]);
    });

    it('passes the undamaged export on several threads', async () => {
      const run = await runCli([
        'verify-log',
        big.save('whole.ndjson', big.exportText()),
        '--key',
        big.keyFile,
        '--checkpoint',
        big.save('big.checkpoint', big.checkpoint()),
        '--threads',
        '2',
      ]);
      expect(run.fails).toEqual([]);
      expect(run.stdout).toMatch(/^OK log .*: 3000 events in 6 streams/m);
    });

    it('reads a line longer than the range a thread reads at a time, wherever the ranges fall', async () => {
      const long = new FixtureLedger();
      try {
        long.append('a', 2);
        long.append('b', 1, { note: 'å'.repeat(1_300_000) }); // 2.6 MB: over two ranges of 1 MiB
        long.append('a', 2);
        const text = long.exportText();
        const checkpoint = long.save('long.checkpoint', long.checkpoint());
        for (const variant of [text, text.replace(/\n/g, '\r\n'), text.replace(/\n$/, '')]) {
          const file = long.save('long.ndjson', variant);
          for (const threads of ['1', '2']) {
            const run = await runCli(['verify-log', file, '--key', long.keyFile, '--checkpoint', checkpoint, '--threads', threads]);
            expect(run.fails).toEqual([]);
            expect(run.stdout).toMatch(/^OK log .*: 5 events in 2 streams/m);
          }
        }
      } finally {
        long.remove();
      }
    });

    it('refuses an export that is not a file (a pipe cannot be read in ranges), saying to save it first', async () => {
      const run = await verifyLog(ledger.dir, '--checkpoint', checkpointFile);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`the export ${ledger.dir} is not a file: save it first`);
    });

    it('refuses a number of threads that is not a whole number from 1', async () => {
      for (const threads of ['0', 'two', '1.5', '300']) {
        const run = await verifyLog(exportFile, '--checkpoint', checkpointFile, '--threads', threads);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(`--threads is a whole number from 1 to 256; got "${threads}"`);
      }
    });
  });

  describe('without a signature over the whole log', () => {
    it('refuses to run without any checkpoint, saying why (a usage error, not a pass)', async () => {
      const run = await verifyLog(exportFile);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        /^samverkan-audit verify-log: no checkpoint given: hashes and chains that check out prove nothing until a checkpoint signed by the ledger key covers them/,
      );
      expect(run.stderr).toContain('give --checkpoint <file>, or --server <url> [--token <jwt>] to fetch the latest (GET /ledger/checkpoint)');
      expect(run.stderr).toContain('usage: samverkan-audit verify-log');
    });

    it('refuses --token without --server', async () => {
      const run = await verifyLog(exportFile, '--checkpoint', checkpointFile, '--token', 'abc');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--token is only used with --server/);
    });

    it('fails chain-correct events appended after the signed checkpoint, naming the first and counting them', async () => {
      const log = [...ledger.events];
      const extra = [...sealOnto(log, 'b', 1), ...sealOnto(log, 'c', 2)];
      const file = ledger.save('appended.ndjson', ledger.exportText(log));
      const run = await verifyLog(file, '--checkpoint', checkpointFile);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`ok   checkpoint ${checkpointFile}`); // the signed part is genuine
      expect(run.fails).toEqual([
        `FAIL ${named(extra[0], signed)}: is the first event no signature covers: the largest checkpoint signed by the ledger key, ` +
          `checkpoint ${checkpointFile} (${LOG_NAME}, size ${signed}, root ${toHex(ledger.root())}), signs only the first ${signed} events (leaves 0 to ${signed - 1}); ` +
          `it and the 2 after it, 3 events in all. Events past a signed checkpoint may have been appended by anyone (expected ${signed} signed events, found ${signed + 3} events)`,
      ]);
      expect(run.stdout).toMatch(/^FAILED: 1 problem found$/m);
    });

    it('counts from the largest of several checkpoints', async () => {
      const earlyFile = ledger.save('early.checkpoint', ledger.checkpoint(early));
      const log = [...ledger.events];
      const extra = sealOnto(log, 'a', 1);
      const run = await verifyLog(ledger.save('one-more.ndjson', ledger.exportText(log)), '--checkpoint', checkpointFile, '--checkpoint', earlyFile);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`ok   checkpoint ${earlyFile}`);
      expect(run.fails).toEqual([
        expect.stringMatching(
          new RegExp(`^FAIL ${escape(named(extra[0], signed))}: is the first event no signature covers: .*size ${signed}.*; it is the only one\\.`),
        ),
      ]);
    });

    it('counts every event as unsigned when no checkpoint is signed by the ledger key', async () => {
      const forged = ledger.save('forged.checkpoint', ledger.checkpoint(signed, { key: generateKeyPairSync('ed25519').privateKey }));
      const run = await verifyLog(exportFile, '--checkpoint', forged);
      expect(run.code).toBe(1);
      expect(run.fails).toEqual([
        expect.stringMatching(new RegExp(`^FAIL checkpoint ${escape(forged)}: is not a checkpoint signed by the ledger key .*but another key id`)),
        expect.stringMatching(
          new RegExp(
            `^FAIL ${escape(named(ledger.events[0], 0))}: is the first event no signature covers: there is no checkpoint signed by the ledger key to cover any event; it and the ${signed - 1} after it, ${signed} events in all\\.`,
          ),
        ),
      ]);
    });
  });

  describe('checks each checkpoint is of this log', () => {
    it('refuses a checkpoint signed by the ledger key whose origin is not the key name', async () => {
      const other = ledger.save('other-origin.checkpoint', ledger.checkpoint(signed, { origin: 'other.test/log' }));
      const run = await verifyLog(exportFile, '--checkpoint', other);
      expect(run.code).toBe(1);
      expect(run.fails[0]).toBe(
        `FAIL checkpoint ${other} (other.test/log, size ${signed}, root ${toHex(ledger.root())}): its origin is "other.test/log", but the ledger key is named "${LOG_NAME}": ` +
          `a log's checkpoints carry its key's name as their origin (C2SP tlog-checkpoint), so this is a checkpoint of another log, or the key is not this log's (expected ${LOG_NAME}, found other.test/log)`,
      );
      expect(run.fails[1]).toMatch(/is the first event no signature covers: there is no checkpoint signed by the ledger key to cover any event/); // it does not count
    });

    it('refuses a checkpoint the ledger key signed twice, as a malformed note', async () => {
      const twice = ledger.save('twice.checkpoint', ledger.checkpointSignedTwice());
      const run = await verifyLog(exportFile, '--checkpoint', twice);
      expect(run.code).toBe(1);
      expect(run.fails[0]).toMatch(
        new RegExp(
          `^FAIL checkpoint ${escape(twice)}: is not a checkpoint signed by the ledger key .*: malformed signed note: known key ${escape(LOG_NAME)}\\+[0-9a-f]{8} signed it twice \\(signature lines 1 and 2\\)`,
        ),
      );
    });
  });

  describe('with --server', () => {
    let stub: StubServer;
    let latest: () => { status?: number; body: unknown };
    let proof: (size1: number, size2: number) => unknown;

    beforeAll(async () => {
      stub = await StubServer.start((request) => {
        if (request.path === '/api/ledger/checkpoint') {
          if (request.headers.authorization !== 'Bearer good-token') return { status: 401, body: { title: 'Unauthorized' } };
          return latest();
        }
        if (request.path === '/api/ledger/proofs/consistency') return { body: proof(Number(request.query.get('from')), Number(request.query.get('to'))) };
        return { status: 404, body: { title: 'Not Found' } };
      });
    });

    beforeEach(() => {
      latest = () => ({ body: ledger.checkpoint() });
      proof = (size1, size2) => ledger.consistencyProof(size1, size2);
    });

    afterAll(() => stub.stop());

    const withServer = (file: string, ...extra: string[]) => verifyLog(file, '--server', `${stub.url}/api`, '--token', 'good-token', ...extra);
    const fetched = () => `checkpoint from GET ${stub.url}/api/ledger/checkpoint`;

    it('fetches the latest checkpoint and checks the export against it', async () => {
      const run = await withServer(exportFile);
      expect(run.fails).toEqual([]);
      expect(run.stdout).toContain(
        `ok   ${fetched()} (${LOG_NAME}, size ${signed}, root ${toHex(ledger.root())}): the first ${signed} events of the log have the root it signed`,
      );
      expect(run.code).toBe(0);
      expect(stub.requests.at(-1)?.headers.accept).toBe('text/plain');
    });

    it('takes the token from SAMVERKAN_TOKEN', async () => {
      const run = await runCli(['verify-log', exportFile, '--key', ledger.keyFile, '--server', `${stub.url}/api`], { SAMVERKAN_TOKEN: 'good-token' });
      expect(run.code).toBe(0);
    });

    it('fails events appended after the latest checkpoint', async () => {
      const log = [...ledger.events];
      const extra = sealOnto(log, 'a', 2);
      const run = await withServer(ledger.save('appended-latest.ndjson', ledger.exportText(log)));
      expect(run.code).toBe(1);
      expect(run.fails).toEqual([
        expect.stringMatching(
          new RegExp(
            `^FAIL ${escape(named(extra[0], signed))}: is the first event no signature covers: the largest checkpoint signed by the ledger key, ${escape(fetched())} .*it and the 1 after it, 2 events in all\\.`,
          ),
        ),
      ]);
    });

    it('ties an export to a latest checkpoint of a log that grew since, with a consistency proof', async () => {
      const file = ledger.save('older.ndjson', ledger.exportText(ledger.events.slice(0, early)));
      const run = await withServer(file);
      expect(run.fails).toEqual([]);
      expect(run.stdout).toContain(
        `ok   ${fetched()} (${LOG_NAME}, size ${signed}, root ${toHex(ledger.root())}): the log grew to ${signed} events after the export was taken; ` +
          `the export's ${early} events are its first ${early}: consistency proof from GET ${stub.url}/api/ledger/proofs/consistency?from=${early}&to=${signed} verified`,
      );
      expect(run.stdout).toMatch(
        new RegExp(`^OK log .*: ${early} events in 2 streams, .*1 checkpoint matched, and every event lies within the largest, of size ${signed}$`, 'm'),
      );
      expect(run.code).toBe(0);
    });

    it('fails an export that is not the start of the grown log', async () => {
      const forked = ledger.events.slice(0, early - 1);
      sealOnto(forked, 'b', 1); // another last event of case b: every hash and chain still checks out
      const file = ledger.save('forked.ndjson', ledger.exportText(forked));
      const run = await withServer(file);
      expect(run.code).toBe(1);
      expect(run.fails).toEqual([
        expect.stringMatching(
          new RegExp(
            `^FAIL ${escape(fetched())} .*: is larger than the export \\(${early} events\\), and the export is not proven to be the first ${early} events of the log it signed \\(export root [0-9a-f]{64}\\): .*serves another tree`,
          ),
        ),
      ]);
    });

    it('fails a grown log whose consistency proof does not verify', async () => {
      const file = ledger.save('older-again.ndjson', ledger.exportText(ledger.events.slice(0, early)));
      proof = (size1, size2) => {
        const genuine = ledger.consistencyProof(size1, size2);
        return { ...genuine, proof: genuine.proof.map((hash, i) => (i === 0 ? `${hash[0] === '0' ? '1' : '0'}${hash.slice(1)}` : hash)) };
      };
      const run = await withServer(file);
      expect(run.code).toBe(1);
      expect(run.fails[0]).toMatch(/is not proven to be the first \d+ events of the log it signed .*: root[12]?-mismatch/);
    });

    it('checks the fetched checkpoint like a file: signature and origin', async () => {
      latest = () => ({ body: ledger.checkpoint(signed, { origin: 'other.test/log' }) });
      const run = await withServer(exportFile);
      expect(run.code).toBe(1);
      expect(run.fails[0]).toMatch(
        new RegExp(`^FAIL ${escape(fetched())} \\(other\\.test/log, .*: its origin is "other\\.test/log", but the ledger key is named`),
      );
    });

    it('says so when the server refuses, and hints at the token', async () => {
      const run = await verifyLog(exportFile, '--server', `${stub.url}/api`);
      expect(run.code).toBe(1);
      expect(run.fails[0]).toBe(
        `FAIL the server's latest checkpoint: could not be fetched: GET ${stub.url}/api/ledger/checkpoint answered 401 (give a bearer token with --token or SAMVERKAN_TOKEN): {"title":"Unauthorized"}`,
      );
      expect(run.fails[1]).toMatch(/is the first event no signature covers: there is no checkpoint signed by the ledger key to cover any event/);
    });

    it('refuses a --server that is not an http URL as a usage error', async () => {
      for (const server of ['not a url', 'ftp://example.org']) {
        const run = await verifyLog(exportFile, '--server', server);
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/--server .* is not (a URL|an http or https URL)/);
      }
    });
  });
});
