import 'reflect-metadata';
import { IsInt, Min } from 'class-validator';
import { ConfigError, Describe, describeConfig, loadConfig } from './config';
import { ServiceConfig } from './service.config';

class ExampleConfig extends ServiceConfig {
  @Describe('How many widgets')
  @IsInt()
  @Min(1)
  WIDGETS = 3;

  @Describe('Whether widgets spin')
  SPIN = false;
}

describe(loadConfig.name, () => {
  it('uses the defaults when nothing is set', () => {
    const config = loadConfig(ExampleConfig, {});
    expect(config.WIDGETS).toBe(3);
    expect(config.SPIN).toBe(false);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.HTTP_PORT).toBe(3000);
  });

  it('converts numbers and booleans by the declared type', () => {
    const config = loadConfig(ExampleConfig, {
      WIDGETS: '12',
      SPIN: 'true',
      HTTP_PORT: '8080',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({ WIDGETS: 12, SPIN: true, HTTP_PORT: 8080, LOG_LEVEL: 'debug' });
  });

  it('names every bad variable and what was wrong with it', () => {
    let error: unknown;
    try {
      loadConfig(ExampleConfig, { WIDGETS: 'many', SPIN: 'maybe', REDIS_URL: 'localhost:6379' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'WIDGETS: expected a number, got "many"',
      'SPIN: expected true or false, got "maybe"',
      'REDIS_URL: REDIS_URL must be a redis://, rediss:// or redis-cluster:// URL (got "localhost:6379")',
    ]);
    expect(() => loadConfig(ExampleConfig, { WIDGETS: '0', REDIS_URL: 'localhost:6379' })).toThrow(
      'WIDGETS: WIDGETS must not be less than 1 (got 0)',
    );
    expect(() => loadConfig(ExampleConfig, { REDIS_URL: 'localhost:6379' })).toThrow(
      'REDIS_URL: REDIS_URL must be a redis://, rediss:// or redis-cluster:// URL (got "localhost:6379")',
    );
  });

  it('describes every variable, inherited ones included', () => {
    expect(describeConfig(ExampleConfig).map((variable) => variable.name)).toEqual([
      'REDIS_URL',
      'LOG_LEVEL',
      'HTTP_PORT',
      'HTTP_HOST',
      'WIDGETS',
      'SPIN',
    ]);
    expect(describeConfig(ExampleConfig).find((variable) => variable.name === 'WIDGETS')).toEqual({
      name: 'WIDGETS',
      defaultValue: 3,
      description: 'How many widgets',
    });
  });
});
