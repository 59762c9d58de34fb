/**
 * A connection string fit for a log line or an error message: a password in it (`scheme://user:secret@host`)
 * becomes `***`, however it is spelt. Query parameters are kept as they are, so do not put secrets there.
 */
export function withoutPassword(connectionString: string): string {
  // Up to the last `@` of the authority: a password may hold an `@` of its own where it was not percent-encoded.
  return connectionString.replace(/\/\/([^:/@]+):[^/?#]*@/, '//$1:***@');
}
