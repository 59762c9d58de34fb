// Index arithmetic shared by the tree and the verifiers. Tree sizes reach past 2^32, where JavaScript's
// bitwise operators silently wrap, so everything here is plain arithmetic on safe integers.

/** The largest power of two strictly below n (RFC 6962's k, with k < n ≤ 2k). Requires n > 1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** True for 1, 2, 4, 8, … */
export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** log2 of a power of two. */
export function log2(powerOfTwo: number): number {
  let level = 0;
  for (let n = powerOfTwo; n > 1; n /= 2) level += 1;
  return level;
}

export function isOdd(n: number): boolean {
  return n % 2 === 1;
}

export function half(n: number): number {
  return Math.floor(n / 2);
}

/** A count or an index: a non-negative integer that a double holds exactly. */
export function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** Number of hashes in PATH(index, D[size]) (RFC 9162 §2.1.3.1). Requires index < size. */
export function inclusionProofLength(index: number, size: number): number {
  let length = 0;
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) end = start + k;
    else start += k;
    length += 1;
  }
  return length;
}

/** Number of hashes in PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1). Requires 0 < size1 ≤ size2. */
export function consistencyProofLength(size1: number, size2: number): number {
  let length = 0;
  let start = 0;
  let end = size2;
  let wholeOldTree = true;
  while (size1 !== end) {
    const k = splitPoint(end - start);
    if (size1 - start <= k) end = start + k;
    else {
      start += k;
      wholeOldTree = false;
    }
    length += 1;
  }
  return wholeOldTree ? length : length + 1;
}
