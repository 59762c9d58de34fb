import fastifyStatic from '@fastify/static';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * What the pages may load: only this service's own files and API, nothing inline, never in another site's frame.
 * Chart.js draws on a canvas and sets element styles from script, which this allows.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * The pages people use (`/ui/`): plain files from `uiDir`, which call the same API an agency system calls with
 * the signed-in person's token, so they show exactly what the API shows that agency. The charting library is
 * served from its package, and so is the RFC 8785 canonicalisation the service hashes events with, for the
 * pages to recompute event hashes themselves.
 */
export async function servePages(app: NestFastifyApplication, uiDir: string): Promise<void> {
  const setHeaders = (reply: FastifyReply) => {
    reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
  };
  const server = app.getHttpAdapter().getInstance();
  server.get('/ui', (_request, reply) => reply.redirect('/ui/', 302));
  const canonicalize = asModule(require.resolve('canonicalize'));
  server.get('/ui/vendor/canonicalize.js', (_request, reply) => {
    setHeaders(reply);
    return reply.type('text/javascript; charset=utf-8').send(canonicalize);
  });
  await app.register(fastifyStatic, { root: uiDir, prefix: '/ui/', index: 'index.html', cacheControl: false, setHeaders });
  await app.register(fastifyStatic, {
    root: dirname(require.resolve('chart.js')),
    prefix: '/ui/vendor/chart.js/',
    decorateReply: false,
    setHeaders,
    allowedPath: (path) => path === '/chart.umd.min.js',
  });
}

/**
 * A CommonJS file of one function (`module.exports = …`) as a JavaScript module whose default export it is, so
 * that the browser runs the very code the service runs.
 */
function asModule(file: string): string {
  return `const module = { exports: {} };\n${readFileSync(file, 'utf8')}\nexport default module.exports;\n`;
}
