/**
 * kafkajs 2.2.4 with samverkan's patch (patches/kafkajs+2.2.4.patch, applied by patch-package when npm
 * installs): its encoders allocate and copy less, and what they write must stay byte for byte what 2.2.4
 * wrote. The fixture is a produce request the unpatched 2.2.4 encoded (records with and without keys,
 * values and headers, non-ASCII text, a header of several values, a large value, a timestamp delta past 2^31
 * ms, a transactional id).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import fixture from './testing/kafkajs-2.2.4-produce-request.json';

// Internal modules of kafkajs: the patch is to them, so they are what is checked.
/* eslint-disable @typescript-eslint/no-require-imports */
const Long = require('kafkajs/src/utils/long');
const Encoder = require('kafkajs/src/protocol/encoder');
const produceRequest = require('kafkajs/src/protocol/requests/produce/v7/request');
const frame = require('kafkajs/src/protocol/request');
const Decoder = require('kafkajs/src/protocol/decoder');
const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
const RecordDecoder = require('kafkajs/src/protocol/recordBatch/record/v0/decoder');
const crc32C: (buffer: Buffer) => number = require('kafkajs/src/protocol/recordBatch/crc32C');
const tableCrc32C: (buffer: Buffer) => number = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C');
/* eslint-enable @typescript-eslint/no-require-imports */

describe("kafkajs with samverkan's patch", () => {
  it('is applied (npm install ran patch-package)', () => {
    expect(typeof Encoder.isSmallInteger).toBe('function');
  });

  it('encodes a produce request exactly as kafkajs 2.2.4 did', async () => {
    const args = { ...fixture.input, producerId: Long.fromString(fixture.input.producerId) };
    const encoded = await frame({ correlationId: 42, clientId: 'samverkan-relay', request: produceRequest(args) });
    expect(encoded.buffer.toString('hex')).toBe(fixture.hex);
  });

  it('writes variable-length numbers as the protocol says, around where its shortcut for small ones ends', () => {
    // zig-zag, then 7 bits a byte, low bits first (the record format's varlong)
    const varlong = (value: number): string => {
      let zigzag = BigInt.asUintN(64, (BigInt(value) << 1n) ^ (BigInt(value) >> 63n));
      const bytes: number[] = [];
      for (; zigzag >= 0x80n; zigzag >>= 7n) bytes.push(Number(zigzag & 0x7fn) | 0x80);
      bytes.push(Number(zigzag));
      return Buffer.from(bytes).toString('hex');
    };
    const edges = [0, 1, -1, 63, -64, 64, 2 ** 30 - 1, -(2 ** 30), 2 ** 30, -(2 ** 30) - 1, 2 ** 31, -(2 ** 31), 2 ** 40 + 7, -(2 ** 52)];
    for (const value of edges) {
      expect(new Encoder().writeVarLong(value).buffer.toString('hex')).toBe(varlong(value));
      expect(Encoder.sizeOfVarLong(value)).toBe(varlong(value).length / 2);
    }
    for (const value of [0, 1, -1, 300, -300, 2 ** 31 - 1, -(2 ** 31)]) {
      expect(new Encoder().writeVarInt(value).buffer.toString('hex')).toBe(varlong(value));
    }
  });

  it('checks record batches with CRC-32C: the check value of the algorithm, and what the table of kafkajs gives', () => {
    // The standard check value of CRC-32C (Castagnoli): the CRC of the nine ASCII digits "123456789".
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32C(Buffer.alloc(0))).toBe(0);
    for (const size of [1, 7, 8, 9, 63, 64, 65, 1000, 4096, 100_003]) {
      const bytes = randomBytes(size);
      expect(crc32C(bytes)).toBe(tableCrc32C(bytes) >>> 0);
    }
  });

  it("writes records that kafkajs's own decoder reads back as they were: keys, values and headers of any text", () => {
    // Text of every kind: ASCII, characters beyond it, unpaired surrogates, and long enough to need a longer varint.
    const text = fc.oneof(
      fc.string({ maxLength: 70 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ minLength: 60, maxLength: 70 }),
    );
    const bytes = fc.oneof(
      text,
      text.map((t) => Buffer.from(t)),
    );
    const headerValue = fc.oneof(bytes, fc.array(bytes, { maxLength: 3 }));
    const record = fc.record({
      offsetDelta: fc.nat(100_000),
      timestampDelta: fc.oneof(fc.nat(2 ** 31), fc.maxSafeNat()),
      key: fc.option(bytes, { nil: null }),
      value: fc.option(bytes, { nil: null }),
      // kafkajs's decoder gathers headers into a plain object, where one named as a member every object has
      // (__proto__, toString) is not read back as written: a quirk of the reading, not of what is written
      headers: fc.dictionary(
        text.filter((name) => !(name in {})),
        headerValue,
        { maxKeys: 12 },
      ),
    });
    const asBuffer = (value: string | Buffer | null) => (value === null ? null : Buffer.from(value));
    fc.assert(
      fc.property(record, (r) => {
        const encoded: Buffer = Record(r).buffer;
        const outer = new Decoder(encoded);
        const decoded = RecordDecoder(new Decoder(outer.readVarIntBytes()), { firstOffset: '0', firstTimestamp: 0 });
        expect(outer.canReadBytes(1)).toBe(false);
        expect(decoded.key).toEqual(asBuffer(r.key));
        expect(decoded.value).toEqual(asBuffer(r.value));
        // The decoder gathers a key's values: one stays one, several become an array, none leave no header.
        const expected = Object.entries(r.headers).flatMap(([key, value]) => {
          const values = (Array.isArray(value) ? value : [value]).map((v) => Buffer.from(v));
          return values.length === 0 ? [] : [[key, values.length === 1 ? values[0] : values]];
        });
        expect(Object.entries(decoded.headers)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
