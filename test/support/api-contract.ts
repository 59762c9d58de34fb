import OpenAPIResponseValidator from 'openapi-response-validator';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const documents = new Map<string, Document>();
/** A validator compiles its schemas: one per route, status and service, made once. */
const validators = new Map<string, OpenAPIResponseValidator>();

/**
 * The document the service at `baseUrl` serves, as the service built it (running-service.ts gives it here at
 * start): fetched over HTTP it would count against the per-address rate limit the tests exercise.
 */
export function holdToContract(baseUrl: string, document: object): void {
  documents.set(baseUrl, document as Document);
  checkEveryFetch();
}

/** Whether answers from this origin are held to a document (a service started by the tests). */
export function heldToContract(origin: string): boolean {
  return documents.has(origin);
}

let fetchChecked = false;

/**
 * Every answer a test gets with `fetch` from a service held to its document is checked (the test clients of
 * running-service.ts use fetch too, so a raw fetch of a test is held to the same contract). The body is read
 * from a clone: the test reads the answer as it would have.
 */
function checkEveryFetch(): void {
  if (fetchChecked) return;
  fetchChecked = true;
  const unchecked = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await unchecked(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!documents.has(url.origin)) return response;
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const contentType = response.headers.get('content-type');
    const text = await response.clone().text();
    // NDJSON (the ledger export) is lines of JSON: nothing in it for a JSON schema to hold.
    const json = Boolean(text) && (contentType?.includes('json') ?? false) && !contentType?.includes('ndjson');
    checkAgainstContract(url.origin, method, url.pathname + url.search, response.status, contentType, json ? JSON.parse(text) : undefined);
    return response;
  };
}

/**
 * Every answer the end-to-end tests get over HTTP (with `fetch`, as the test clients of running-service.ts do)
 * is checked here against the OpenAPI document the same service serves: the status must be one the route's
 * operation states, and a JSON body must fit that status's schema. A mismatch fails the test that made the
 * request, naming the route.
 */
export function checkAgainstContract(baseUrl: string, method: string, url: string, status: number, contentType: string | null, body: unknown): void {
  const path = new URL(url, baseUrl).pathname;
  const document = documents.get(baseUrl);
  if (!document) throw new Error(`no OpenAPI document is known for ${baseUrl}: start the service with RunningService.start`);
  const { paths, components } = document;
  const found = operationOf(paths, method.toLowerCase(), path);
  // A path the service has no route for is answered 404 or 405 by the edge: nothing in the document to hold it to.
  if (!found) return;
  const [template, operation] = found;
  const where = `${method.toUpperCase()} ${template} (${path})`;
  const response = operation.responses[String(status)] ?? operation.responses.default;
  if (!response)
    throw new Error(`${where} answered ${status}, which the OpenAPI document does not state (it states ${Object.keys(operation.responses).join(', ')})`);
  if (!contentType?.includes('json') || body === undefined) return;
  const key = `${baseUrl} ${where.split(' (')[0]} ${status}`;
  let validator = validators.get(key);
  if (!validator) {
    validator = new OpenAPIResponseValidator({ responses: { [String(status)]: jsonOnly(response) }, components } as never);
    validators.set(key, validator);
  }
  const errors = validator.validateResponse(status, body);
  if (errors)
    throw new Error(`${where} answered ${status} with a body the OpenAPI document does not describe: ${JSON.stringify(errors.errors).slice(0, 2000)}`);
}

/** The response with its JSON schema only (the validator reads the first content type it finds). */
function jsonOnly(response: { content?: Record<string, { schema?: unknown }>; description?: string }) {
  const json = Object.entries(response.content ?? {}).find(([type]) => type.includes('json'));
  return { description: response.description ?? '', ...(json ? { content: { 'application/json': json[1] } } : {}) };
}

/** The operation whose path template matches, the one with the fewest parameters first (`/ledger/key` before `/cases/{id}`). */
function operationOf(paths: Document['paths'], method: string, path: string): [string, Operation] | undefined {
  const candidates = Object.entries(paths)
    .filter(([template, operations]) => operations[method] && new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path))
    .sort(([a], [b]) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  return candidates[0] ? [candidates[0][0], candidates[0][1][method]] : undefined;
}
