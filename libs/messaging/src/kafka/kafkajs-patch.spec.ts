/**
 * kafkajs 2.2.4 with samverkan's patch (patches/kafkajs+2.2.4.patch, applied by patch-package when npm
 * installs): its encoders allocate and copy less, and what they write must stay byte for byte what 2.2.4
 * wrote. The fixture is a produce request the unpatched 2.2.4 encoded (records with and without keys,
 * values and headers, non-ASCII text, a header of several values, a large value, a timestamp delta past 2^31
 * ms, a transactional id).
 */
import fixture from './testing/kafkajs-2.2.4-produce-request.json';

// Internal modules of kafkajs: the patch is to them, so they are what is checked.
/* eslint-disable @typescript-eslint/no-require-imports */
const Long = require('kafkajs/src/utils/long');
const Encoder = require('kafkajs/src/protocol/encoder');
const produceRequest = require('kafkajs/src/protocol/requests/produce/v7/request');
const frame = require('kafkajs/src/protocol/request');
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
});
