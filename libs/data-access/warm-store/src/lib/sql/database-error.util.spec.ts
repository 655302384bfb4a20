import { isTransientDatabaseError } from './database-error.util';

describe(isTransientDatabaseError.name, () => {
  const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it('treats an unreachable or restarting database as transient', () => {
    expect(
      isTransientDatabaseError(pgError('57P01', 'terminating connection due to administrator command')),
    ).toBe(true);
    expect(isTransientDatabaseError(pgError('57P03', 'the database system is starting up'))).toBe(true);
    expect(isTransientDatabaseError(pgError('08006'))).toBe(true);
    expect(isTransientDatabaseError(pgError('53300', 'too many connections'))).toBe(true);
    expect(isTransientDatabaseError(pgError('ECONNREFUSED'))).toBe(true);
    expect(isTransientDatabaseError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientDatabaseError(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isTransientDatabaseError(pgError('42501', 'permission denied for database "warm"'))).toBe(true);
  });

  it('recognises a socket error from another realm, which is no `instanceof Error` here', () => {
    expect(isTransientDatabaseError({ errno: -104, code: 'ECONNRESET', syscall: 'read' })).toBe(true);
  });

  it('does not retry errors about the data', () => {
    expect(isTransientDatabaseError(pgError('23505', 'duplicate key value'))).toBe(false);
    expect(isTransientDatabaseError(pgError('22P02', 'invalid input syntax'))).toBe(false);
    expect(isTransientDatabaseError(pgError('42501', 'permission denied for table candles_1m'))).toBe(false);
    expect(isTransientDatabaseError(pgError('ENOENT'))).toBe(false);
    expect(isTransientDatabaseError('Connection terminated')).toBe(false);
    expect(isTransientDatabaseError(null)).toBe(false);
  });
});
