/**
 * A case's stream, and back: the one pair of functions that build and parse its name, for the service that
 * writes case events and the verifier that checks them.
 */
export const caseStream = (caseId: string) => `case-${caseId}`;

const PREFIX = caseStream('');

/** The case id of a case stream, or undefined for a stream of another category. */
export function caseIdOf(stream: string): string | undefined {
  return stream.startsWith(PREFIX) ? stream.slice(PREFIX.length) : undefined;
}
