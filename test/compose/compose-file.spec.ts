/**
 * docker-compose.yml cannot be started on this project's machines (they have no Docker engine), so it is kept
 * correct here: validated against the Compose Specification's JSON schema, and checked for what the schema
 * cannot see (the start order, the coordinator's roles, the environment it is given). Where `docker compose`
 * is installed, Compose itself also reads the file.
 *
 * The schema is the one the compose-spec project publishes, as shipped in the `dclint` package (a Compose
 * linter that keeps a copy of it, refreshed from compose-spec/compose-spec, in `schemas/`).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import { parse } from 'yaml';
import { ROLES } from '../../apps/coordinator/src/config/app-config';
import { KURRENTDB_IMAGE } from '../../libs/eventstore/src/testing/eventstoredb';

const ROOT = join(__dirname, '..', '..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const APP_CONFIG = join(ROOT, 'apps', 'coordinator', 'src', 'config', 'app-config.ts');

/** Roles that work in one process at a time (any other process given them stands by): this stack runs each once. */
const SINGLE_ACTIVE_ROLES = ROLES.filter((role) => role !== 'api');

type Environment = Record<string, string>;

interface Service {
  readonly image?: string;
  readonly build?: string | { context: string; dockerfile?: string };
  readonly environment?: Record<string, unknown> | string[];
  readonly depends_on?: string[] | Record<string, { condition: string }>;
  readonly healthcheck?: { test?: string | string[]; disable?: boolean };
  readonly ports?: unknown[];
}

interface ComposeFile {
  readonly services: Record<string, Service>;
}

// Compose resolves YAML merge keys (`<<: *anchor`), which YAML 1.2 leaves to the application.
const compose = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as ComposeFile;
const services = Object.entries(compose.services);
const coordinatorServices = services.filter(([, service]) => service.build !== undefined);

describe('docker-compose.yml', () => {
  describe('against the Compose Specification schema', () => {
    const validate = composeSchemaValidator();

    it('is valid', () => {
      const valid = validate(compose);
      expect(describeErrors(validate.errors)).toEqual([]);
      expect(valid).toBe(true);
    });

    it('rejects what Compose would reject, such as an unknown start condition', () => {
      const broken = structuredClone(compose) as { services: { api: { depends_on: { kafka: { condition: string } } } } };
      broken.services.api.depends_on.kafka.condition = 'service_ready';
      expect(validate(broken)).toBe(false);
      expect(describeErrors(validate.errors).join('\n')).toContain('/services/api/depends_on/kafka/condition');
    });
  });

  describe('images', () => {
    it('runs the KurrentDB release the EventStoreDB tests start with testcontainers', () => {
      expect(compose.services.eventstoredb.image).toBe(KURRENTDB_IMAGE);
    });
  });

  describe('start order', () => {
    it('names only services of this file in depends_on', () => {
      const unknown = services.flatMap(([name, service]) =>
        Object.keys(dependencies(service))
          .filter((target) => !(target in compose.services))
          .map((target) => `${name} depends on ${target}, which is not a service here`),
      );
      expect(unknown).toEqual([]);
    });

    it('waits for health only on services that have a health check', () => {
      const unchecked = services.flatMap(([name, service]) =>
        Object.entries(dependencies(service))
          .filter(([, condition]) => condition === 'service_healthy')
          .filter(([target]) => !hasHealthcheck(compose.services[target]))
          .map(([target]) => `${name} waits for ${target} to be healthy, but ${target} has no health check`),
      );
      expect(unchecked).toEqual([]);
    });

    it('starts the coordinator only once its store, broker and database are healthy', () => {
      for (const [name, service] of coordinatorServices) {
        const conditions = dependencies(service);
        for (const infrastructure of ['eventstoredb', 'kafka', 'postgres']) {
          expect({ service: name, dependency: infrastructure, condition: conditions[infrastructure] }).toEqual({
            service: name,
            dependency: infrastructure,
            condition: 'service_healthy',
          });
        }
      }
    });

    it('has an order to start in (no service depends on itself through others)', () => {
      expect(dependencyCycle()).toEqual([]);
    });
  });

  describe('the coordinator', () => {
    const roles = coordinatorServices.map(([name, service]) => ({
      name,
      roles: (environmentOf(service).SAMVERKAN_ROLES ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    }));

    it('runs as separate api and workers processes of one image', () => {
      expect(roles.map((r) => r.name).sort()).toEqual(['api', 'workers']);
      expect(new Set(coordinatorServices.map(([, service]) => service.image)).size).toBe(1);
    });

    it('runs every role, each process with roles the service knows', () => {
      expect([...new Set(roles.flatMap((r) => r.roles))].sort()).toEqual([...ROLES].sort());
      for (const { name, roles: its } of roles) {
        expect({ service: name, unknown: its.filter((role) => !(ROLES as readonly string[]).includes(role)) }).toEqual({ service: name, unknown: [] });
      }
      expect(roles.find((r) => r.name === 'api')?.roles).toEqual(['api']);
    });

    it('runs the relay, the ledger and the projector in exactly one process each', () => {
      for (const role of SINGLE_ACTIVE_ROLES) {
        expect({ role, services: roles.filter((r) => r.roles.includes(role)).map((r) => r.name) }).toEqual({
          role,
          services: [expect.any(String)],
        });
      }
    });

    it('publishes a port for the api only', () => {
      const published = coordinatorServices.filter(([, service]) => (service.ports ?? []).length > 0).map(([name]) => name);
      expect(published).toEqual(['api']);
    });

    it('is given only variables the service reads', () => {
      const reads = variablesTheServiceReads();
      const unread = coordinatorServices.flatMap(([name, service]) =>
        Object.keys(environmentOf(service))
          .filter((variable) => !reads.has(variable))
          .map((variable) => `${name} sets ${variable}, which apps/coordinator/src/config/app-config.ts does not read`),
      );
      expect(unread).toEqual([]);
    });

    it('runs without development keys, with the ledger and master keys from secrets', () => {
      const secrets = (compose as unknown as { secrets?: Record<string, { file?: string }> }).secrets ?? {};
      for (const [name, service] of coordinatorServices) {
        const env = environmentOf(service);
        const mounted = ((service as unknown as { secrets?: string[] }).secrets ?? []).map((secret) => `/run/secrets/${secret}`);
        expect({ service: name, devKeys: env.SAMVERKAN_DEV_KEYS }).toEqual({ service: name, devKeys: 'false' });
        expect(mounted).toEqual(expect.arrayContaining([env.SAMVERKAN_LEDGER_KEY_FILE, env.SAMVERKAN_MASTER_KEY_FILE]));
      }
      expect(Object.values(secrets).every((secret) => secret.file?.startsWith('./secrets/'))).toBe(true);
    });

    it('is pointed at the store, broker and database of this file', () => {
      const kafka = environmentOf(compose.services.kafka);
      const postgres = environmentOf(compose.services.postgres);
      const advertised = kafka.KAFKA_ADVERTISED_LISTENERS.split(',').map((listener) => listener.replace(/^[A-Z_]+:\/\//, ''));
      for (const [name, service] of coordinatorServices) {
        const env = environmentOf(service);
        const store = new URL(env.ESDB_CONNECTION_STRING);
        const database = new URL(env.DATABASE_URL);
        expect({ service: name, store: env.EVENT_STORE, host: store.hostname, tls: store.searchParams.get('tls') }).toEqual({
          service: name,
          store: 'eventstoredb',
          host: 'eventstoredb',
          tls: environmentOf(compose.services.eventstoredb).KURRENTDB_INSECURE === 'true' ? 'false' : 'true',
        });
        expect({
          service: name,
          host: database.hostname,
          user: database.username,
          password: decodeURIComponent(database.password),
          database: database.pathname.slice(1),
        }).toEqual({ service: name, host: 'postgres', user: postgres.POSTGRES_USER, password: postgres.POSTGRES_PASSWORD, database: postgres.POSTGRES_DB });
        for (const broker of env.KAFKA_BROKERS.split(',')) expect(advertised).toContain(broker.trim());
      }
    });

    it('is health-checked on the port it listens on', () => {
      for (const [name, service] of coordinatorServices) {
        const probe = [service.healthcheck?.test ?? []].flat().join(' ');
        expect({ service: name, probe }).toEqual({ service: name, probe: expect.stringContaining(`:${environmentOf(service).PORT}/health`) });
      }
    });

    it('is built into an image whose command starts the build output nest-cli.json names', () => {
      const nest = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8')) as { sourceRoot: string; projects: Record<string, { entryFile: string }> };
      const main = `dist/${nest.sourceRoot}/${nest.projects.coordinator.entryFile}.js`;
      for (const [, service] of coordinatorServices) {
        const build = typeof service.build === 'string' ? { context: service.build } : service.build!;
        const dockerfile = readFileSync(join(ROOT, build.context, build.dockerfile ?? 'Dockerfile'), 'utf8');
        const command = dockerfile
          .split('\n')
          .filter((line) => line.startsWith('CMD '))
          .pop();
        expect(command).toBe(`CMD ["node", "${main}"]`);
      }
    });
  });

  const composeCommand = composeCli();
  (composeCommand.available ? it : it.skip)(
    composeCommand.available ? 'is accepted by `docker compose config`' : `is accepted by \`docker compose config\` (skipped: ${composeCommand.reason})`,
    () => {
      const run = spawnSync('docker', ['compose', '--file', COMPOSE_FILE, 'config', '--quiet'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 0, stderr: '' });
    },
  );
});

/** The compose-spec schema compiled by the Ajv class for the JSON Schema draft the schema declares. */
function composeSchemaValidator(): ValidateFunction {
  const file = join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const schema = JSON.parse(readFileSync(file, 'utf8')) as { $schema?: string; title?: string };
  if (schema.title !== 'Compose Specification') throw new Error(`${file} is not the Compose Specification schema`);
  const draft = schema.$schema ?? '';
  // Strict about the schema's keywords, not about its style: it types fields as e.g. ["string", "number"]
  // (allowUnionTypes) and leaves `type` to sibling branches of oneOf (strictTypes would warn of every one).
  const options = { allErrors: true, allowUnionTypes: true, strictTypes: false };
  if (draft.includes('draft-07')) {
    // Ajv knows draft-07 by its http:// id; compose-spec names it by the https:// one.
    const ajv = new Ajv(options);
    if (draft !== draft07.$id) ajv.addMetaSchema({ ...draft07, $id: draft });
    return ajv.compile(schema);
  }
  if (draft.includes('2019-09')) return new Ajv2019(options).compile(schema);
  if (draft.includes('2020-12')) return new Ajv2020(options).compile(schema);
  throw new Error(`${file} declares ${draft || 'no'} JSON Schema draft; add its Ajv class to this test`);
}

function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
}

function dependencies(service: Service): Record<string, string> {
  const dependsOn = service.depends_on ?? {};
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((target) => [target, 'service_started']));
  return Object.fromEntries(Object.entries(dependsOn).map(([target, { condition }]) => [target, condition]));
}

function hasHealthcheck(service: Service | undefined): boolean {
  const check = service?.healthcheck;
  return check !== undefined && check.disable !== true && check.test !== undefined && [check.test].flat()[0] !== 'NONE';
}

/** A cycle of depends_on, as the list of services on it, or [] when there is none. */
function dependencyCycle(): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] => {
    if (state.get(name) === 'done') return [];
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const target of Object.keys(dependencies(compose.services[name] ?? {}))) {
      const cycle = visit(target);
      if (cycle.length > 0) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return [];
  };
  for (const [name] of services) {
    const cycle = visit(name);
    if (cycle.length > 0) return cycle;
  }
  return [];
}

/** A service's environment as the container gets it when the shell sets none of the file's variables. */
function environmentOf(service: Service): Environment {
  const environment = service.environment ?? {};
  const entries = Array.isArray(environment)
    ? environment.map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)])
    : Object.entries(environment).map(([name, value]) => [name, String(value ?? '')]);
  // Compose's interpolation of `${NAME:-default}` and `${NAME-default}`, with NAME unset.
  return Object.fromEntries(
    entries.map(([name, value]) => [name, value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}/g, (_, fallback?: string) => fallback ?? '')]),
  );
}

/** The names app-config.ts reads from the environment: `env.NAME`, `env['NAME']`, and `helper(env, 'NAME', …)`. */
function variablesTheServiceReads(): Set<string> {
  const source = readFileSync(APP_CONFIG, 'utf8');
  const patterns = [/\benv\.([A-Z][A-Z0-9_]*)\b/g, /\benv\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g, /\(\s*env\s*,\s*['"`]([A-Z][A-Z0-9_]*)['"`]/g];
  const names = new Set(patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1])));
  // If app-config.ts stops reading the environment in one of these forms, say so rather than report every
  // variable as unread.
  for (const known of ['PORT', 'SAMVERKAN_DATA_DIR', 'KAFKA_BROKERS']) {
    if (!names.has(known)) throw new Error(`found no read of ${known} in ${APP_CONFIG}: update this test's patterns`);
  }
  return names;
}

function composeCli(): { available: true } | { available: false; reason: string } {
  const probe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error) return { available: false, reason: `no docker command (${(probe.error as NodeJS.ErrnoException).code})` };
  if (probe.status !== 0) return { available: false, reason: `docker has no compose plugin: ${(probe.stderr || probe.stdout).trim().split('\n')[0]}` };
  return { available: true };
}
