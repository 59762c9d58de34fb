import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { CheckpointError, formatCheckpoint, openCheckpoint, signCheckpoint } from './checkpoint';
import { ed25519NoteSigner, parseVerifierKey, verifierKey } from './note';
import { cosignatureSigner, cosignatureVerifierKey, parseCosignatureLine, verifyCosignature } from './witness';
import examples from './testing/fixtures/c2sp-examples.json';
import { noteError, rawPublicKey } from './testing/note-errors';

const WITNESS = 'internrevisionen.test/witness';
const TIME = 1_767_225_600; // 2026-01-01T00:00:00Z

const base64 = (...parts: Buffer[]): string => Buffer.concat(parts).toString('base64');

describe('witness cosignatures (cosignature/v1)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const witness = cosignatureSigner(WITNESS, privateKey);
  const vkey = cosignatureVerifierKey(WITNESS, publicKey);
  const body = formatCheckpoint({
    origin: 'samverkan.local/ledger',
    size: 12,
    root: createHash('sha256').update('root').digest(),
    extensions: [],
  });
  const line = witness.cosign(body, TIME);

  describe('the published tlog-cosignature example line', () => {
    it('frames a 4-byte key id, a big-endian timestamp and a 64-byte signature', () => {
      const parsed = parseCosignatureLine(examples.tlog_cosignature.line);
      expect(parsed.name).toBe(examples.tlog_cosignature.name);
      expect(parsed.keyId.toString('hex')).toBe(examples.tlog_cosignature.key_id_hex);
      expect(parsed.time).toBe(examples.tlog_cosignature.time);
      expect(parsed.signature).toHaveLength(64);
      expect(examples.tlog_cosignature.signed_message_example.startsWith(`cosignature/v1\ntime ${parsed.time}\n`)).toBe(true);
    });

    it('matches the timestamp transparency-dev/formats reads from its test cosignature', () => {
      const line = `\u2014 any.test/w ${examples.cosignature_timestamp.signature_base64}`;
      expect(parseCosignatureLine(line).time).toBe(examples.cosignature_timestamp.time);
    });

    it('has a key id formula that reproduces a published type 0x04 verifier key', () => {
      const published = examples.cosignature_vkey.vkey;
      const [name, id, key] = published.split('+');
      const raw = Buffer.from(key, 'base64');
      expect(raw[0]).toBe(0x04);
      expect(createHash('sha256').update(`${name}\n`).update(raw).digest().subarray(0, 4).toString('hex')).toBe(id);
      const samePublicKey = createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: raw.subarray(1).toString('base64url') },
        format: 'jwk',
      });
      expect(cosignatureVerifierKey(name, samePublicKey)).toBe(published);
    });
  });

  describe('given a checkpoint cosigned by a witness', () => {
    it('uses key id SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4], distinct from the note key id of the same key', () => {
      const expected = createHash('sha256')
        .update(Buffer.concat([Buffer.from(`${WITNESS}\n`), Buffer.from([0x04]), rawPublicKey(publicKey)]))
        .digest()
        .subarray(0, 4);
      expect(witness.keyId).toEqual(expected);
      expect(vkey).toBe(`${WITNESS}+${expected.toString('hex')}+${Buffer.concat([Buffer.from([4]), rawPublicKey(publicKey)]).toString('base64')}`);
      expect(witness.keyId).not.toEqual(ed25519NoteSigner(WITNESS, privateKey).keyId);
    });

    it('is a signature line whose signature covers "cosignature/v1", the time line and the checkpoint body', () => {
      expect(line.startsWith(`\u2014 ${WITNESS} `)).toBe(true);
      expect(line.endsWith('\n')).toBe(true);
      const bytes = Buffer.from(line.slice(`\u2014 ${WITNESS} `.length, -1), 'base64');
      expect(bytes).toHaveLength(4 + 8 + 64);
      expect(bytes.subarray(0, 4)).toEqual(witness.keyId);
      expect(bytes.readBigUInt64BE(4)).toBe(BigInt(TIME));
      const message = Buffer.from(`cosignature/v1\ntime ${TIME}\n${body}`);
      expect(verify(null, message, publicKey, bytes.subarray(12))).toBe(true);
    });

    it('verifies against the witness key and reports the time', () => {
      expect(verifyCosignature(line, body, vkey)).toEqual({ time: TIME });
      expect(verifyCosignature(line.slice(0, -1), body, vkey)).toEqual({ time: TIME });
    });

    it('can be appended to the log-signed checkpoint, which still opens with the log key', () => {
      const log = generateKeyPairSync('ed25519');
      const signed = signCheckpoint(
        { origin: 'samverkan.local/ledger', size: 12, root: createHash('sha256').update('root').digest(), extensions: [] },
        ed25519NoteSigner('samverkan.local/ledger', log.privateKey),
      );
      const opened = openCheckpoint(`${signed}${line}`, parseVerifierKey(verifierKey('samverkan.local/ledger', log.publicKey)));
      expect(opened.note.signatures.map((s) => s.name)).toEqual(['samverkan.local/ledger', WITNESS]);
      expect(verifyCosignature(line, opened.note.text, vkey).time).toBe(TIME);
    });

    it('accepts time 0, the earliest a POSIX timestamp can be', () => {
      expect(verifyCosignature(witness.cosign(body, 0), body, vkey)).toEqual({ time: 0 });
    });

    describe('when tampered with', () => {
      it('another checkpoint is refused', () => {
        const other = body.replace('\n12\n', '\n13\n');
        expect(noteError(() => verifyCosignature(line, other, vkey)).message).toMatch(/does not verify over this checkpoint/);
      });

      it('a changed time is refused', () => {
        const bytes = Buffer.from(line.slice(`\u2014 ${WITNESS} `.length, -1), 'base64');
        bytes.writeBigUInt64BE(BigInt(TIME + 1), 4);
        const moved = `\u2014 ${WITNESS} ${bytes.toString('base64')}\n`;
        expect(noteError(() => verifyCosignature(moved, body, vkey)).message).toMatch(/at time \d+ does not verify/);
      });

      it('a cosignature by another key under the same name is refused, naming the key id', () => {
        const other = cosignatureSigner(WITNESS, generateKeyPairSync('ed25519').privateKey).cosign(body, TIME);
        expect(noteError(() => verifyCosignature(other, body, vkey)).message).toMatch(/has key id [0-9a-f]{8}, but the witness key has/);
      });

      it('a cosignature by another witness is refused, naming both', () => {
        const other = cosignatureSigner('other.test/w', privateKey).cosign(body, TIME);
        expect(noteError(() => verifyCosignature(other, body, vkey)).message).toMatch(
          /is by other\.test\/w, not by the expected witness internrevisionen\.test\/witness/,
        );
      });

      it('a plain note signature by the same key is not a cosignature', () => {
        const noteVkey = verifierKey(WITNESS, publicKey);
        expect(noteError(() => verifyCosignature(line, body, noteVkey)).message).toMatch(/type 0x01/);
      });
    });

    it.each([
      ['a signature of the wrong length', `\u2014 ${WITNESS} ${base64(Buffer.alloc(70))}`, /holds 70 bytes/],
      ['no em dash', `- ${WITNESS} AAAA`, /em dash/],
      ['two lines', `${line}${line}`, /one line/],
      ['a timestamp beyond 2^53-1', `\u2014 ${WITNESS} ${base64(Buffer.alloc(4), Buffer.alloc(8, 0xff), Buffer.alloc(64))}`, /claims time/],
    ])('refuses a line with %s', (_what, bad, message) => {
      expect(noteError(() => parseCosignatureLine(bad)).message).toMatch(message);
    });

    it('refuses to cosign something that is not a checkpoint body, or at a time that is not whole seconds', () => {
      expect(() => witness.cosign(`${body}\n\u2014 log sig\n`, TIME)).toThrow(CheckpointError);
      expect(() => witness.cosign(body, 1.5)).toThrow(RangeError);
      expect(() => witness.cosign(body, -1)).toThrow(RangeError);
    });
  });
});
