import { readFile } from 'node:fs/promises';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** A file name the web view may serve: one path segment of word characters, dots and dashes, no `..`. */
const SAFE_NAME = /^[\w-][\w.-]*$/;

export interface WebViewFile {
  body: Buffer;
  type: string;
}

/**
 * Reads a file of the built web view (apps/web, `nx build web`) from `dir`, or null when the name is
 * not a plain file name of a known type or the file is missing. Read on every request, so a rebuild
 * shows at the next reload.
 */
export async function readWebViewFile(dir: string, name: string): Promise<WebViewFile | null> {
  if (!SAFE_NAME.test(name) || name.includes('..')) return null;
  const type = TYPES[path.extname(name)];
  if (type === undefined) return null;
  try {
    return { body: await readFile(path.join(dir, name)), type };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
