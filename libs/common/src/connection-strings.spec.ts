import { withoutPassword } from './connection-strings';

describe('hiding the password of a connection string', () => {
  it('hides the password of a PostgreSQL URL and an EventStoreDB connection string', () => {
    expect(withoutPassword('postgres://samverkan:secret@db:5432/samverkan')).toBe('postgres://samverkan:***@db:5432/samverkan');
    expect(withoutPassword('esdb://admin:changeit@db1:2113,db2:2113?tls=true')).toBe('esdb://admin:***@db1:2113,db2:2113?tls=true');
  });

  it('hides a password with characters that were not percent-encoded, and one without a user', () => {
    expect(withoutPassword('postgres://samverkan:s3cr@t/x?y#z@db:5432/samverkan')).toBe('postgres://samverkan:***@db:5432/samverkan');
    expect(withoutPassword('postgres://:secret@db/samverkan')).toBe('postgres://:***@db/samverkan');
  });

  it('leaves a connection string without a password as it is', () => {
    expect(withoutPassword('postgres://postgres@127.0.0.1:5432/test')).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(withoutPassword('esdb://localhost:2113?tls=false')).toBe('esdb://localhost:2113?tls=false');
    expect(withoutPassword('postgres://db:5432/test?application_name=a:b')).toBe('postgres://db:5432/test?application_name=a:b');
  });
});
