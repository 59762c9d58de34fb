import { generateKeyPairSync } from 'node:crypto';
import { Checkpoint, CheckpointError, formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint';
import { leafHash } from './hashes';
import { InMemoryNodeStore, MerkleTree } from './merkle-tree';
import { ed25519NoteSigner, NoteError, parseVerifierKey, signNote, verifierKey } from './note';
import examples from './testing/fixtures/c2sp-examples.json';

const ORIGIN = 'samverkan.local/ledger';
const ROOT_B64 = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';

function checkpointError(check: () => unknown): CheckpointError {
  try {
    check();
  } catch (error) {
    if (error instanceof CheckpointError) return error;
    throw error;
  }
  throw new Error('expected a CheckpointError, but nothing was thrown');
}

describe('checkpoints', () => {
  const tree = new MerkleTree(new InMemoryNodeStore());
  tree.append(['a', 'b', 'c'].map((s) => leafHash(Buffer.from(s))));
  const checkpoint: Checkpoint = { origin: ORIGIN, size: 3, root: tree.root(), extensions: [] };

  it('are formatted as origin, size and base64 root, one line each', () => {
    expect(formatCheckpoint(checkpoint)).toBe(`${ORIGIN}\n3\n${tree.root().toString('base64')}\n`);
  });

  it('carry extension lines after the root, and parse back to what was formatted', () => {
    const extended = { ...checkpoint, extensions: ['ext one', 'ext two'] };
    const text = formatCheckpoint(extended);
    expect(text.endsWith('\next one\next two\n')).toBe(true);
    expect(parseCheckpoint(text)).toEqual(extended);
  });

  it('of the empty tree have size 0', () => {
    const empty = { origin: ORIGIN, size: 0, root: new MerkleTree(new InMemoryNodeStore()).root(), extensions: [] };
    expect(parseCheckpoint(formatCheckpoint(empty))).toEqual(empty);
  });

  it('parse the published tlog-checkpoint example', () => {
    const parsed = parseCheckpoint(examples.tlog_checkpoint.body);
    expect(parsed.origin).toBe(examples.tlog_checkpoint.origin);
    expect(parsed.size).toBe(examples.tlog_checkpoint.size);
    expect(parsed.root.toString('base64')).toBe(ROOT_B64);
    expect(parsed.extensions).toEqual([]);
    expect(formatCheckpoint(parsed)).toBe(examples.tlog_checkpoint.body);
  });

  describe('are parsed strictly', () => {
    it.each([
      ['no final newline', `${ORIGIN}\n3\n${ROOT_B64}`, /ends in a newline/],
      ['only two lines', `${ORIGIN}\n3\n`, /this one has 2 line/],
      ['an empty origin', `\n3\n${ROOT_B64}\n`, /origin line is empty/],
      ['a leading zero', `${ORIGIN}\n03\n${ROOT_B64}\n`, /without leading zeros/],
      ['a plus sign', `${ORIGIN}\n+3\n${ROOT_B64}\n`, /without leading zeros/],
      ['a negative size', `${ORIGIN}\n-3\n${ROOT_B64}\n`, /without leading zeros/],
      ['a size with a space', `${ORIGIN}\n3 \n${ROOT_B64}\n`, /without leading zeros/],
      ['a hex size', `${ORIGIN}\n0x3\n${ROOT_B64}\n`, /without leading zeros/],
      ['an empty size', `${ORIGIN}\n\n${ROOT_B64}\n`, /without leading zeros/],
      ['a size beyond 2^53-1', `${ORIGIN}\n9007199254740993\n${ROOT_B64}\n`, /beyond 2\^53-1/],
      ['a 31-byte root', `${ORIGIN}\n3\n${Buffer.alloc(31).toString('base64')}\n`, /base64 of 32 bytes/],
      ['a 33-byte root', `${ORIGIN}\n3\n${Buffer.alloc(33).toString('base64')}\n`, /base64 of 32 bytes/],
      ['a root in hex', `${ORIGIN}\n3\n${'00'.repeat(32)}\n`, /base64 of 32 bytes/],
      ['a root in base64url', `${ORIGIN}\n3\n${ROOT_B64.replace('/', '_')}\n`, /base64 of 32 bytes/],
      ['a root without padding', `${ORIGIN}\n3\n${ROOT_B64.slice(0, -1)}\n`, /base64 of 32 bytes/],
      ['an empty extension line', `${ORIGIN}\n3\n${ROOT_B64}\n\nmore\n`, /extension line 1 is empty/],
      ['CRLF line endings', `${ORIGIN}\r\n3\r\n${ROOT_B64}\r\n`, /U\+000D/],
    ])('refusing %s', (_what, text, message) => {
      expect(checkpointError(() => parseCheckpoint(text)).message).toMatch(message);
    });

    it('accepting the largest exactly representable size', () => {
      expect(parseCheckpoint(`${ORIGIN}\n9007199254740991\n${ROOT_B64}\n`).size).toBe(Number.MAX_SAFE_INTEGER);
    });
  });

  describe('refuse to be formatted from', () => {
    it.each([
      ['an empty origin', { ...checkpoint, origin: '' }],
      ['an origin of two lines', { ...checkpoint, origin: 'a\nb' }],
      ['a negative size', { ...checkpoint, size: -1 }],
      ['a fractional size', { ...checkpoint, size: 1.5 }],
      ['a 16-byte root', { ...checkpoint, root: Buffer.alloc(16) }],
      ['an empty extension line', { ...checkpoint, extensions: [''] }],
    ])('%s', (_what, bad) => {
      expect(() => formatCheckpoint(bad)).toThrow(CheckpointError);
    });
  });

  describe('signed by the ledger key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signer = ed25519NoteSigner(ORIGIN, privateKey);
    const verifier = parseVerifierKey(verifierKey(ORIGIN, publicKey));
    const signed = signCheckpoint(checkpoint, signer);

    it('open with the ledger verifier key and give back the checkpoint', () => {
      const { checkpoint: opened, note } = openCheckpoint(signed, verifier);
      expect(opened).toEqual(checkpoint);
      expect(note.verifiedBy).toEqual([ORIGIN]);
      expect(signed.startsWith(`${formatCheckpoint(checkpoint)}\n\u2014 ${ORIGIN} `)).toBe(true);
    });

    it('still open when a witness has appended its cosignature line', () => {
      const cosigned = `${signed}\u2014 witness.test/w1 ${Buffer.alloc(76, 7).toString('base64')}\n`;
      const { checkpoint: opened, note } = openCheckpoint(cosigned, verifier);
      expect(opened).toEqual(checkpoint);
      expect(note.signatures.map((s) => s.name)).toEqual([ORIGIN, 'witness.test/w1']);
    });

    it('are refused with a NoteError when the size or root was changed', () => {
      expect(() => openCheckpoint(signed.replace(`\n3\n`, `\n4\n`), verifier)).toThrow(NoteError);
      const otherRoot = Buffer.alloc(32, 1).toString('base64');
      expect(() => openCheckpoint(signed.replace(tree.root().toString('base64'), otherRoot), verifier)).toThrow(/does not verify/);
    });

    it('are refused with a NoteError when signed by another key', () => {
      const impostor = ed25519NoteSigner(ORIGIN, generateKeyPairSync('ed25519').privateKey);
      expect(() => openCheckpoint(signCheckpoint(checkpoint, impostor), verifier)).toThrow(/not signed by any known key/);
    });

    it('are refused with a CheckpointError when the ledger key signed something that is not a checkpoint', () => {
      const note = signNote(`${ORIGIN}\n03\n${ROOT_B64}\n`, [signer]);
      expect(checkpointError(() => openCheckpoint(note, verifier)).message).toMatch(/leading zeros/);
    });
  });
});
