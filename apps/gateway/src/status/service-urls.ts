/** One service whose readiness the status strip shows. */
export interface ServiceUrl {
  name: string;
  /** `http://host:port`, without a trailing slash. */
  baseUrl: string;
}

const ENTRY = /^([a-z][a-z0-9-]{0,63})=(https?:\/\/[^\s,=]+)$/;

/**
 * Parses STATUS_SERVICE_URLS: `name=http://host:port` pairs separated by commas (empty: none).
 * Throws naming the malformed entry.
 */
export function parseServiceUrls(text: string): ServiceUrl[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const match = ENTRY.exec(entry);
      if (!match) throw new Error(`STATUS_SERVICE_URLS: "${entry}" is not name=http://host:port`);
      return { name: match[1]!, baseUrl: match[2]!.replace(/\/+$/, '') };
    });
}
