import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const repo = resolve(__dirname, '../../..');
const CLIENTS = { pg: 'postgres', 'better-sqlite3': 'sqlite', '@eventstore/db-client': 'eventstoredb' } as const;

/** The modules a source file imports, as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'/g)].map((m) => m[1] ?? m[2]);
}

function resolveLocal(from: string, specifier: string): string | undefined {
  let base: string | undefined;
  if (specifier.startsWith('.')) base = resolve(dirname(from), specifier);
  else if (specifier.startsWith('@samverkan/')) {
    const [, lib, ...rest] = specifier.split('/');
    base = join(repo, 'libs', lib, 'src', ...rest);
  }
  if (!base) return undefined;
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return undefined;
}

/** Every package a module loads, following the project's own modules. */
function packagesLoadedBy(entry: string): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of importsOf(file)) {
      const local = resolveLocal(file, specifier);
      if (local) visit(local);
      else if (!specifier.startsWith('node:')) packages.set(specifier, relative(repo, file));
    }
  };
  visit(entry);
  return packages;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('spec.ts') && !path.includes('/testing/') ? [path] : [];
  });
}

describe('where the store clients are loaded', () => {
  it('loading the event store port, the command path and the follower loads no store client', () => {
    const loaded = packagesLoadedBy(join(repo, 'libs/eventstore/src/index.ts'));
    for (const client of Object.keys(CLIENTS)) expect([client, loaded.get(client)]).toEqual([client, undefined]);
  });

  it.each(Object.entries(CLIENTS))('each adapter is its own entry point: %s only from the %s one', (client, adapter) => {
    const loaded = packagesLoadedBy(join(repo, `libs/eventstore/src/${adapter}/index.ts`));
    expect(loaded.has(client)).toBe(true);
    for (const other of Object.keys(CLIENTS).filter((name) => name !== client)) expect([other, loaded.get(other)]).toEqual([other, undefined]);
  });

  it("imports a store's client only in a file of that store", () => {
    const strays = [...sourceFiles(join(repo, 'apps')), ...sourceFiles(join(repo, 'libs'))].flatMap((file) =>
      importsOf(file)
        .filter((specifier): specifier is keyof typeof CLIENTS => specifier in CLIENTS)
        .filter((client) => !relative(repo, file).includes(CLIENTS[client]))
        .map((client) => `${relative(repo, file)} imports ${client}`),
    );
    expect(strays).toEqual([]);
  });
});
