import { readFileSync } from 'node:fs';
import { generatedMetadata, METADATA_FILE } from './openapi-metadata.generate';

jest.setTimeout(60_000);

describe('the OpenAPI metadata of the DTOs', () => {
  it('is what the swagger plugin reads from the sources now (npm run openapi-metadata writes it)', () => {
    expect(readFileSync(METADATA_FILE, 'utf8')).toBe(generatedMetadata());
  });
});
