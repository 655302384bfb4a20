import { resolveTestServices } from '../src';

describe(resolveTestServices.name, () => {
  const redisUrl = process.env['MDP_TEST_REDIS_URL']!;
  const databaseUrl = process.env['MDP_TEST_DATABASE_URL']!;

  it('uses REDIS_URL and DATABASE_URL when they are set and answer', async () => {
    const services = await resolveTestServices({ REDIS_URL: redisUrl, DATABASE_URL: databaseUrl });
    expect(services).toMatchObject({ redisUrl, databaseUrl, redisSource: 'env', databaseSource: 'env' });
  });

  it('stops at once, naming each service that does not answer and where it looked', async () => {
    const attempt = resolveTestServices({
      REDIS_URL: 'redis://127.0.0.1:1',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:2/test',
      DOCKER_HOST: '',
    });
    await expect(attempt).rejects.toThrow(/The tests cannot start:/);
    await expect(attempt).rejects.toThrow(
      /Redis does not answer at redis:\/\/127\.0\.0\.1:1, the URL in REDIS_URL: .*ECONNREFUSED/,
    );
    await expect(attempt).rejects.toThrow(
      /PostgreSQL does not answer at postgres:\/\/postgres@127\.0\.0\.1:2\/test, the URL in DATABASE_URL/,
    );
  });

  it('hides passwords in what it prints', async () => {
    await expect(
      resolveTestServices({ REDIS_URL: 'redis://user:secret@127.0.0.1:1', DATABASE_URL: databaseUrl }),
    ).rejects.toThrow('redis://user:***@127.0.0.1:1');
  });
});
