import { parseServiceUrls } from './service-urls';

describe('parseServiceUrls', () => {
  it('reads name=url pairs, trimming spaces and trailing slashes', () => {
    expect(parseServiceUrls(' ingestion=http://127.0.0.1:3001/ , warm-writer=https://ww:3005')).toEqual([
      { name: 'ingestion', baseUrl: 'http://127.0.0.1:3001' },
      { name: 'warm-writer', baseUrl: 'https://ww:3005' },
    ]);
  });

  it('is empty for an empty setting', () => {
    expect(parseServiceUrls('')).toEqual([]);
  });

  it('names a malformed entry', () => {
    expect(() => parseServiceUrls('ingestion=http://a:1,oops')).toThrow(
      'STATUS_SERVICE_URLS: "oops" is not name=http://host:port',
    );
  });
});
