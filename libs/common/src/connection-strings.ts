/**
 * A connection string fit for a log line or an error message: a password in it (`scheme://user:secret@host`)
 * becomes `***`, even one holding an `@`, `/`, `?` or `#` that was not percent-encoded (everything up to the
 * last `@` counts as the password). Query parameters are kept as they are, so do not put secrets there.
 */
export function withoutPassword(connectionString: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^:@/]*):(.*)@(.*)$/is.exec(connectionString);
  if (!match) return connectionString;
  const [, scheme, user, , rest] = match;
  return `${scheme}${user}:***@${rest}`;
}
