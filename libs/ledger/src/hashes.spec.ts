import { createHash } from 'node:crypto';
import { ValidationError } from '@samverkan/common';
import { EMPTY_ROOT, eventLeafHash, fromHex, leafHash, nodeHash, toHex } from './hashes';
import merkle from './testing/fixtures/rfc6962-merkle.json';

describe('RFC 6962 hashing', () => {
  describe.each(merkle.hasher_known_answers.map((answer) => [answer.op, answer] as const))('the known answer for %s', (_op, answer) => {
    it('is reproduced', () => {
      const ascii = (text: string | undefined) => Buffer.from(text ?? '', 'ascii');
      const got =
        answer.op === 'empty_root'
          ? EMPTY_ROOT
          : answer.op === 'leaf'
            ? leafHash(ascii(answer.input_ascii))
            : nodeHash(ascii(answer.left_ascii), ascii(answer.right_ascii));
      expect(toHex(got)).toBe(answer.want);
    });
  });

  it('given the eight reference leaf inputs, when hashed as leaves, then they give the published leaf hashes', () => {
    expect(merkle.leaf_inputs_hex.map((input) => toHex(leafHash(Buffer.from(input, 'hex'))))).toEqual(merkle.leaf_hashes_hex);
  });

  it('given a leaf and a node over the same bytes, then their hashes differ (domain separation)', () => {
    const left = Buffer.alloc(32, 1);
    const right = Buffer.alloc(32, 2);
    expect(leafHash(Buffer.concat([left, right])).equals(nodeHash(left, right))).toBe(false);
  });

  describe('the leaf of a sealed event', () => {
    const eventHash = createHash('sha256').update('an envelope').digest('hex');

    it('is the leaf hash of the 32 bytes the event hash encodes, not of its hex text', () => {
      expect(eventLeafHash(eventHash)).toEqual(leafHash(Buffer.from(eventHash, 'hex')));
      expect(eventLeafHash(eventHash)).not.toEqual(leafHash(Buffer.from(eventHash, 'utf8')));
    });

    it.each([
      ['uppercase hex', eventHash.toUpperCase()],
      ['63 digits', eventHash.slice(1)],
      ['65 digits', `${eventHash}0`],
      ['a non-hex digit', `${eventHash.slice(0, 63)}g`],
      ['an empty string', ''],
      ['a 0x prefix', `0x${eventHash.slice(2)}`],
    ])('refuses %s', (_what, value) => {
      expect(() => eventLeafHash(value)).toThrow(ValidationError);
      expect(() => eventLeafHash(value)).toThrow(/64 lowercase hex digits/);
    });
  });

  describe('hex hashes', () => {
    it('round-trip through toHex and fromHex, in either case', () => {
      const hash = createHash('sha256').update('x').digest();
      expect(fromHex(toHex(hash), 'root')).toEqual(hash);
      expect(fromHex(toHex(hash).toUpperCase(), 'root')).toEqual(hash);
    });

    it('name the offending input when the hex is not 32 bytes', () => {
      expect(() => fromHex('abcd', 'proof[2]')).toThrow(/proof\[2\] must be 64 hex digits.*"abcd" \(4 characters\)/);
      expect(() => fromHex('z'.repeat(64), 'root')).toThrow(ValidationError);
    });
  });
});
