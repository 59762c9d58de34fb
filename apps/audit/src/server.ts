import { errorMessage, Io, UsageError } from './cli';

/** What the server was asked for could not be had: no answer, an error status, or not the expected content. */
export class ServerUnavailable extends Error {}

/** The bearer token for --server: `--token`, else the SAMVERKAN_TOKEN environment variable. */
export function serverToken(option: string | undefined, io: Io): string | undefined {
  return option ?? (io.env.SAMVERKAN_TOKEN || undefined);
}

/** The URL of a route of the server given with --server; a --server that is not an http(s) URL is a usage error. */
export function serverUrl(server: string, path: string, query: Record<string, string | number> = {}): URL {
  let base: URL;
  try {
    base = new URL(server.endsWith('/') ? server : `${server}/`);
  } catch {
    throw new UsageError(`--server ${JSON.stringify(server)} is not a URL (give it as http://host:port)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new UsageError(`--server ${JSON.stringify(server)} is not an http or https URL`);
  }
  const url = new URL(path, base);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, String(value));
  return url;
}

/**
 * GETs a URL with the bearer token, if any, and returns the body as text. Throws ServerUnavailable naming the
 * URL if there is no answer or the status is not 2xx (hinting at --token on a 401).
 */
export async function fetchText(url: URL, token: string | undefined, accept = 'application/json'): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new ServerUnavailable(`GET ${url} failed: ${errorMessage((error as Error).cause ?? error)}`);
  }
  const text = await response.text();
  if (!response.ok) {
    const hint = response.status === 401 ? ' (give a bearer token with --token or SAMVERKAN_TOKEN)' : '';
    throw new ServerUnavailable(`GET ${url} answered ${response.status}${hint}: ${text.slice(0, 300)}`);
  }
  return text;
}

/** GETs a URL and parses the answer as JSON; throws ServerUnavailable as fetchText does, or if it is not JSON. */
export async function fetchJson<T>(url: URL, token: string | undefined): Promise<T> {
  const text = await fetchText(url, token);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new ServerUnavailable(`GET ${url} did not answer JSON: ${errorMessage(error)}`);
  }
}
