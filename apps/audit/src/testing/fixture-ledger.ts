// Test support for the CLI's unit specs: a small ledger built with the ledger library (sealed events, the RFC
// 6962 tree, signed checkpoints), written to files as the server hands them out; the CLI run in-process with
// its output captured; and a stub HTTP server for --server.
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AUDIT_BUNDLE_FORMAT,
  BundledEvent,
  AuditBundle,
  Checkpoint,
  ed25519NoteSigner,
  eventLeafHash,
  formatCheckpoint,
  InMemoryNodeStore,
  MerkleTree,
  signCheckpoint,
  signNote,
  toHex,
  verifierKey,
} from '@samverkan/ledger';
import { caseStream, EventDraft, JsonObject, SealedEnvelope, sealEvents } from '@samverkan/sealing';
import { main } from '../audit';
import { Io } from '../cli';

export const LOG_NAME = 'samverkan.test/ledger';

/** An audit bundle with every event as stored. */
export type FullBundle = Omit<AuditBundle, 'events'> & { readonly events: readonly BundledEvent[] };

/** Metadata of every event the fixtures seal. */
export const metadata = {
  agencyId: 'polisen-malmo',
  actorId: 'officer-7',
  commandId: 'cmd-1',
  correlationId: 'corr-1',
  causationId: null,
  occurredAt: '2026-03-01T09:30:00.000Z',
  recordedAt: '2026-03-01T09:30:01.250Z',
};

let drafted = 0;
function draft(data?: JsonObject): EventDraft {
  drafted += 1;
  return {
    id: `0195f0c2-0000-7000-8000-${String(drafted).padStart(12, '0')}`,
    type: 'SupportRecorded',
    schemaVersion: 1,
    data: data ?? { n: drafted },
    metadata,
  };
}

/**
 * Seals `count` more chain-correct events of a case onto `log` (and returns them) without logging them in any
 * tree: what someone without the ledger key can add to an export.
 */
export function sealOnto(log: SealedEnvelope[], caseId: string, count: number): SealedEnvelope[] {
  const stream = caseStream(caseId);
  const head = log.filter((e) => e.stream === stream).at(-1);
  const sealed = sealEvents(stream, head ? { revision: head.revision, hash: head.hash } : null, Array.from({ length: count }, draft));
  log.push(...sealed);
  return sealed;
}

/** A ledger of case events, its tree, its key, and a folder for the files an auditor would download. */
export class FixtureLedger {
  readonly dir = mkdtempSync(join(tmpdir(), 'samverkan-audit-unit-'));
  readonly privateKey: KeyObject = generateKeyPairSync('ed25519').privateKey;
  readonly vkey = verifierKey(LOG_NAME, this.privateKey);
  readonly keyFile = this.save('ledger.vkey', `${this.vkey}\n`);
  readonly events: SealedEnvelope[] = [];
  private readonly tree = new MerkleTree(new InMemoryNodeStore());

  /** Seals `count` more events of the case, continuing its chain, and logs them; `data` is each one's, if given. */
  append(caseId: string, count: number, data?: JsonObject): SealedEnvelope[] {
    const stream = caseStream(caseId);
    const previous = this.events.filter((e) => e.stream === stream).at(-1);
    const sealed = sealEvents(
      stream,
      previous ? { revision: previous.revision, hash: previous.hash } : null,
      Array.from({ length: count }, () => draft(data)),
    );
    this.events.push(...sealed);
    this.tree.append(sealed.map((e) => eventLeafHash(e.hash)));
    return sealed;
  }

  root(size = this.events.length): Buffer {
    return this.tree.root(size);
  }

  /** The ledger's signed checkpoint of the first `size` events; `origin` and `signer` let a test forge one. */
  checkpoint(size = this.events.length, options: { origin?: string; key?: KeyObject } = {}): string {
    const body: Checkpoint = { origin: options.origin ?? LOG_NAME, size, root: this.root(size), extensions: [] };
    return signCheckpoint(body, ed25519NoteSigner(LOG_NAME, options.key ?? this.privateKey));
  }

  /** A checkpoint note that carries the ledger key's signature twice. */
  checkpointSignedTwice(size = this.events.length): string {
    const signer = ed25519NoteSigner(LOG_NAME, this.privateKey);
    const note = signNote(formatCheckpoint({ origin: LOG_NAME, size, root: this.root(size), extensions: [] }), [signer]);
    return note + note.slice(note.lastIndexOf('\n\n') + 2);
  }

  /** The export NDJSON of the first `size` events, or of the given events. */
  exportText(events: readonly SealedEnvelope[] = this.events): string {
    return events.map((event, index) => `${JSON.stringify({ index, event })}\n`).join('');
  }

  consistencyProof(size1: number, size2: number) {
    return { size1, size2, root1: toHex(this.root(size1)), root2: toHex(this.root(size2)), proof: this.tree.consistencyProof(size1, size2).map(toHex) };
  }

  /** The audit bundle of a case against the checkpoint of the first `size` events, every event as stored. */
  bundle(caseId: string, size = this.events.length): FullBundle {
    return this.bundleWithheld(caseId, [], size) as FullBundle;
  }

  /** The audit bundle of a case as made for an agency from which the events at `withheld` revisions are withheld. */
  bundleWithheld(caseId: string, withheld: readonly number[], size = this.events.length): AuditBundle {
    const stream = caseStream(caseId);
    return {
      format: AUDIT_BUNDLE_FORMAT,
      madeFor: 'socialtjansten-malmo',
      caseId,
      stream,
      checkpoint: this.checkpoint(size),
      verifierKey: this.vkey,
      events: this.events
        .map((event, leafIndex) => ({ event, leafIndex }))
        .filter(({ event, leafIndex }) => event.stream === stream && leafIndex < size)
        .map(({ event, leafIndex }) => {
          const inclusionProof = this.tree.inclusionProof(leafIndex, size).map(toHex);
          if (!withheld.includes(event.revision)) return { leafIndex, event, inclusionProof };
          return { leafIndex, withheld: { stream: event.stream, revision: event.revision, hash: event.hash, prev: event.prev }, inclusionProof };
        }),
    };
  }

  /** The timeline of a case as GET /cases/:id/timeline answers it. */
  timeline(caseId: string) {
    const events = this.events.filter((e) => e.stream === caseStream(caseId));
    return {
      caseId,
      revision: events.length - 1,
      asOf: null,
      events: events.map(({ id, type, revision, hash, prev }) => ({ id, type, revision, hash, prev })),
    };
  }

  save(name: string, content: string): string {
    const file = join(this.dir, name);
    writeFileSync(file, content);
    return file;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The FAIL lines of stdout. */
  readonly fails: string[];
}

/** Runs `samverkan-audit <argv>` in-process, as main.ts does, and captures what it prints. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (line) => out.push(line), err: (line) => err.push(line), env, now: () => 1_770_000_000 };
  const code = await main(argv, io);
  const stdout = out.map((line) => `${line}\n`).join('');
  return { code, stdout, stderr: err.map((line) => `${line}\n`).join(''), fails: stdout.split('\n').filter((line) => line.startsWith('FAIL ')) };
}

export interface StubRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

/** A loopback HTTP server answering each GET with `answer` (JSON unless the body is a string). */
export class StubServer {
  readonly requests: StubRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(answer: (request: StubRequest) => { status?: number; body: unknown }): Promise<StubServer> {
    let stub: StubServer | undefined; // eslint-disable-line prefer-const -- assigned below, once the server it answers for exists
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const request = { path: url.pathname, query: url.searchParams, headers: req.headers };
      stub?.requests.push(request);
      const { status = 200, body } = answer(request);
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    stub = new StubServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return stub;
  }

  stop(): Promise<void> {
    return new Promise((closed) => {
      this.server.close(() => closed());
      this.server.closeAllConnections();
    });
  }
}
