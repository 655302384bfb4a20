import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderEnvExample } from './env-example';

describe('.env.example', () => {
  it('lists every variable of every config class, as `npm run env:example` writes it', () => {
    const committed = readFileSync(path.resolve(__dirname, '../../.env.example'), 'utf8');
    expect(committed).toBe(renderEnvExample());
  });
});
