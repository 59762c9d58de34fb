import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

/**
 * What the OpenAPI document says of each body and query: the @nestjs/swagger plugin's reading of the DTOs
 * (types, enums, what is required, lengths and patterns, the doc comments), written once into
 * `openapi-metadata.ts` and loaded by bootstrap.ts. The service as built and as the tests run it in-process
 * (compiled by swc, where no TypeScript plugin runs) so serve the same document; the pages build their forms
 * from it. `npm run openapi-metadata` writes it; a unit test fails while it is out of date.
 */

const SOURCE = resolve(__dirname, '..');
export const METADATA_FILE = join(__dirname, 'openapi-metadata.ts');
const HEADER = '// Written by `npm run openapi-metadata` (http/openapi-metadata.generate.ts) from the DTOs: do not edit.\n';

/** The metadata as the plugin reads the sources now. */
export function generatedMetadata(): string {
  // Loaded here, not at the top: the generator pulls in TypeScript's compiler, which the service never needs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PluginMetadataGenerator } = require('@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ReadonlyVisitor } = require('@nestjs/swagger/plugin');
  const out = mkdtempSync(join(tmpdir(), 'openapi-metadata-'));
  try {
    new PluginMetadataGenerator().generate({
      visitors: [new ReadonlyVisitor({ introspectComments: true, classValidatorShim: true, pathToSource: SOURCE })],
      outputDir: out,
      filename: 'openapi-metadata.ts',
      watch: false,
      // Relative to the working directory, as the generator reads it.
      tsconfigPath: relative(process.cwd(), resolve(SOURCE, '..', 'tsconfig.app.json')),
      printDiagnostics: false,
    });
    // The printer names modules relative to the sources' root; the file lives in http/.
    return HEADER + readFileSync(join(out, 'openapi-metadata.ts'), 'utf8').replace(/"\.\/([^"]+)"/g, (_, path: string) => JSON.stringify(`../${path}`));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Writes the file anew. */
export function writeMetadata(): void {
  writeFileSync(METADATA_FILE, generatedMetadata());
}
