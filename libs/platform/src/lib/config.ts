import 'reflect-metadata';
import { validateSync } from 'class-validator';

const DESCRIPTIONS = Symbol('mdp:config-descriptions');

/** Documents one environment variable of a config class (shown in errors and checked against .env.example). */
export function Describe(text: string): PropertyDecorator {
  return (target, property) => {
    const owner = target as { [DESCRIPTIONS]?: Record<string, string> };
    const own = Object.prototype.hasOwnProperty.call(owner, DESCRIPTIONS)
      ? owner[DESCRIPTIONS]!
      : { ...owner[DESCRIPTIONS] };
    own[String(property)] = text;
    Object.defineProperty(owner, DESCRIPTIONS, { value: own, enumerable: false, configurable: true });
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigVariable {
  name: string;
  defaultValue: unknown;
  description: string;
}

type ConfigClass<T> = new () => T;

/**
 * Reads a config class from the environment. Property names are the variable names
 * (`REDIS_URL`); initializers are the defaults; class-validator decorators are the rules; numbers
 * and booleans are converted by the property's declared type. A bad or missing value throws
 * ConfigError naming every offending variable. This is the one place that reads `process.env`.
 */
export function loadConfig<T extends object>(cls: ConfigClass<T>, env: NodeJS.ProcessEnv = process.env): T {
  const config = new cls() as Record<string, unknown>;
  const problems: string[] = [];
  for (const { name } of describeConfig(cls)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    // The default's type decides the conversion; a variable without a default uses the declared type.
    const sample = config[name];
    const type =
      typeof sample === 'number'
        ? Number
        : typeof sample === 'boolean'
          ? Boolean
          : (Reflect.getMetadata('design:type', cls.prototype as object, name) as unknown);
    if (type === Number) {
      const value = Number(raw.trim());
      if (raw.trim() === '' || Number.isNaN(value))
        problems.push(`${name}: expected a number, got ${JSON.stringify(raw)}`);
      else config[name] = value;
    } else if (type === Boolean) {
      const lowered = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lowered)) config[name] = true;
      else if (['false', '0', 'no', 'off'].includes(lowered)) config[name] = false;
      else problems.push(`${name}: expected true or false, got ${JSON.stringify(raw)}`);
    } else {
      config[name] = raw;
    }
  }
  const unconvertible = new Set(problems.map((problem) => problem.slice(0, problem.indexOf(':'))));
  {
    for (const error of validateSync(config as object)) {
      if (unconvertible.has(error.property)) continue;
      const why = Object.values(error.constraints ?? {}).join(', ');
      const got = error.value === undefined ? 'it is not set' : `got ${JSON.stringify(error.value)}`;
      problems.push(`${error.property}: ${why} (${got})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as T;
}

/** Every variable of a config class with its default and description. */
export function describeConfig<T extends object>(cls: ConfigClass<T>): ConfigVariable[] {
  const defaults = new cls() as Record<string, unknown>;
  const descriptions = (cls.prototype as { [DESCRIPTIONS]?: Record<string, string> })[DESCRIPTIONS] ?? {};
  const names = new Set([...Object.keys(defaults), ...Object.keys(descriptions)]);
  return [...names].map((name) => ({
    name,
    defaultValue: defaults[name],
    description: descriptions[name] ?? '',
  }));
}
