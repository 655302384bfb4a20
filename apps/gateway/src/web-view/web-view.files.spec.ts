import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readWebViewFile } from './web-view.files';

describe('readWebViewFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'web-view-'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
  writeFileSync(path.join(dir, 'app.js'), 'void 0');
  writeFileSync(path.join(dir, 'notes.txt'), 'secret');

  it('serves a built file with its content type', async () => {
    expect(await readWebViewFile(dir, 'index.html')).toEqual({
      body: Buffer.from('<!doctype html>'),
      type: 'text/html; charset=utf-8',
    });
    expect((await readWebViewFile(dir, 'app.js'))?.type).toBe('text/javascript; charset=utf-8');
  });

  it('refuses other types, paths outside the directory and missing files', async () => {
    expect(await readWebViewFile(dir, 'notes.txt')).toBeNull();
    expect(await readWebViewFile(dir, '../index.html')).toBeNull();
    expect(await readWebViewFile(dir, '..')).toBeNull();
    expect(await readWebViewFile(dir, '.hidden.js')).toBeNull();
    expect(await readWebViewFile(dir, 'missing.css')).toBeNull();
  });
});
