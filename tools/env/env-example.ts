/**
 * Builds `.env.example` from the config classes: every variable of every service with its
 * default and meaning. `npm run env:example` writes it; tools/env/env-example.spec.ts fails when
 * the committed file is stale.
 */
import 'reflect-metadata';
import { readdirSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeConfig, ServiceConfig, type ConfigVariable } from '@mdp/platform';
import { StreamConsumerConfig } from '@mdp/transport';

const ROOT = path.resolve(__dirname, '../..');

type ConfigClass = new () => object;

/** Each app's config class, found as the `*Config` export of `apps/<app>/src/<app>.config.ts`. */
export function appConfigClasses(): Array<{ app: string; cls: ConfigClass }> {
  const appsDir = path.join(ROOT, 'apps');
  if (!existsSync(appsDir)) return [];
  return readdirSync(appsDir)
    .sort()
    .flatMap((app) => {
      const file = path.join(appsDir, app, 'src', `${app}.config.ts`);
      if (!existsSync(file)) return [];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exports = require(file) as Record<string, unknown>;
      const cls = Object.values(exports).find(
        (value): value is ConfigClass => typeof value === 'function' && value.name.endsWith('Config'),
      );
      return cls ? [{ app, cls }] : [];
    });
}

function block(title: string, variables: ConfigVariable[]): string {
  const lines = [`# ---- ${title} ----`];
  for (const variable of variables) {
    lines.push(`# ${variable.description}`);
    const value =
      variable.defaultValue === undefined
        ? ''
        : JSON.stringify(variable.defaultValue).replace(/^"(.*)"$/, '$1');
    lines.push(`${variable.defaultValue === undefined ? '# (required) ' : ''}${variable.name}=${value}`);
  }
  return lines.join('\n');
}

export function renderEnvExample(): string {
  const shared = describeConfig(ServiceConfig);
  const sharedNames = new Set(shared.map((variable) => variable.name));
  const streams = describeConfig(StreamConsumerConfig).filter((variable) => !sharedNames.has(variable.name));
  const streamNames = new Set(streams.map((variable) => variable.name));
  const sections = [
    '# Every environment variable of every service, with its default. Generated from the config classes',
    '# by `npm run env:example`; copy to .env and change what you need. Each service reads only its own.',
    '',
    block('every service', shared),
    '',
    block('every stream consumer and producer (Redis Streams transport)', streams),
  ];
  for (const { app, cls } of appConfigClasses()) {
    const own = describeConfig(cls).filter(
      (variable) => !sharedNames.has(variable.name) && !streamNames.has(variable.name),
    );
    if (own.length > 0) sections.push('', block(app, own));
  }
  return `${sections.join('\n')}\n`;
}

if (require.main === module) {
  writeFileSync(path.join(ROOT, '.env.example'), renderEnvExample());
  process.stdout.write('wrote .env.example\n');
}
