/** A case's stream, and back: the one pair of functions that build and parse its name. */
export const caseStream = (caseId: string) => `case-${caseId}`;

/** The case id of a case stream, or undefined for a stream of another category. */
export function caseIdOfCaseStream(stream: string): string | undefined {
  return stream.startsWith('case-') ? stream.slice('case-'.length) : undefined;
}
