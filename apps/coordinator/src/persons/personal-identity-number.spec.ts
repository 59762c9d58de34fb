import { holdsPersonalIdentityNumber } from './personal-identity-number';

describe('holdsPersonalIdentityNumber', () => {
  // Skatteverket's published test numbers and their Luhn digits (the check digit of 811218-987 is 6).
  it.each(['811218-9876', '19811218-9876', '198112189876', '8112189876', 'p811218-9876x', '701063-2391', '811218+9876'])('finds one in %s', (text) => {
    expect(holdsPersonalIdentityNumber(text)).toBe(true);
  });

  it.each(['811218-9877', '811318-9876', 'officer-1', '550e8400-e29b-41d4-a716-446655440000', '12345', '2026-12-05'])('finds none in %s', (text) => {
    expect(holdsPersonalIdentityNumber(text)).toBe(false);
  });
});
