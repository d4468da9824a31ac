/**
 * The agent web page at /agent: static HTML, a stylesheet and one plain ES
 * module, no build step. The page speaks the same API as any agent client
 * (the key over fetch, a ticket for the socket); the files are read once.
 */
import { readFile } from 'node:fs/promises';
import type { Api } from '../context.js';

export const AGENT_PAGE_PATH = '/agent';

const FILES = {
  '': { name: 'index.html', type: 'text/html; charset=utf-8' },
  '/agent.js': { name: 'agent.js', type: 'text/javascript; charset=utf-8' },
  '/agent.css': { name: 'agent.css', type: 'text/css; charset=utf-8' },
} as const;

/** Only the page's own files and its own server: no inline script, no third-party origin. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'";

export function agentPageFile(name: string): Promise<string> {
  return readFile(new URL(`./${name}`, import.meta.url), 'utf8');
}

export function agentPageRoutes(app: Api): void {
  for (const [suffix, file] of Object.entries(FILES)) {
    let body: Promise<string> | undefined;
    app.get(`${AGENT_PAGE_PATH}${suffix}`, { schema: { hide: true } }, async (_request, reply) => {
      body ??= agentPageFile(file.name);
      return reply.type(file.type).header('content-security-policy', CONTENT_SECURITY_POLICY).header('cache-control', 'no-cache').send(await body);
    });
  }
}
