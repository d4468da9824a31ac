/**
 * The web layer the agent, QA and supervisor pages share, and how a page is
 * served. Pages are plain ES modules with no build step, written with Preact
 * and htm (tagged templates instead of JSX); the browser finds `preact`,
 * `preact/hooks` and `htm` through an import map the server puts in each
 * page, so the pages import them by name, as code in node_modules does.
 *
 *   /web/lib/*      the shared modules: session (key, API calls), live (socket,
 *                   event stream), components (sign-in, header, tables, ...)
 *   /web/vendor/*   Preact, its hooks, htm and uPlot (charts), straight from node_modules
 *   /PAGE           each page's shell, the same for all (pageHtml)
 *   /PAGE/*         each page's own modules and styles
 *
 * Only the pages' own files and their own server: no third-party origin, and
 * the import map is the one inline script, allowed by its hash.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Api } from '../context.js';

export const WEB_LAYER_PATH = '/web';

/** What a page may import by name, and where the browser finds it. */
const VENDOR = {
  'preact.mjs': import.meta.resolve('preact'),
  'hooks.mjs': import.meta.resolve('preact/hooks'),
  'htm.mjs': import.meta.resolve('htm'),
  // uPlot: small, fast time-series charts, shipped as an ES module (its `module` build): no build step.
  'uplot.mjs': new URL('./uPlot.esm.js', import.meta.resolve('uplot')).href,
  'uplot.css': new URL('./uPlot.min.css', import.meta.resolve('uplot')).href,
} as const;

const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: `${WEB_LAYER_PATH}/vendor/preact.mjs`,
    'preact/hooks': `${WEB_LAYER_PATH}/vendor/hooks.mjs`,
    htm: `${WEB_LAYER_PATH}/vendor/htm.mjs`,
    uplot: `${WEB_LAYER_PATH}/vendor/uplot.mjs`,
  },
});
const IMPORT_MAP_TAG = `<script type="importmap">${IMPORT_MAP}</script>`;
const IMPORT_MAP_HASH = createHash('sha256').update(IMPORT_MAP).digest('base64');


export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `script-src 'self' 'sha256-${IMPORT_MAP_HASH}'`,
  "connect-src 'self' ws: wss:",
  "media-src 'self' blob:",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

const LIB_FILES = ['ui.js', 'session.js', 'live.js', 'components.js', 'format.js', 'web.css'] as const;

type Send = () => Promise<string>;

/** Reads a file once, on first request. */
function once(read: () => Promise<string>): Send {
  let body: Promise<string> | undefined;
  return () => (body ??= read());
}

function serve(app: Api, path: string, type: string, body: Send): void {
  app.get(path, { schema: { hide: true } }, async (_request, reply) =>
    reply.type(type).header('content-security-policy', CONTENT_SECURITY_POLICY).header('cache-control', 'no-cache').send(await body()),
  );
}

/** The shared modules and the libraries they stand on. Registered once, by the API. */
export function webLayerRoutes(app: Api): void {
  for (const name of LIB_FILES) {
    serve(app, `${WEB_LAYER_PATH}/lib/${name}`, TYPES[extname(name)]!, once(() => readFile(new URL(`./lib/${name}`, import.meta.url), 'utf8')));
  }
  for (const [name, url] of Object.entries(VENDOR)) {
    serve(app, `${WEB_LAYER_PATH}/vendor/${name}`, TYPES[extname(name)]!, once(() => readFile(fileURLToPath(url), 'utf8')));
  }
}

export interface WebPage {
  /** Where the page lives, e.g. '/agent'. */
  readonly path: string;
  /** Its title, after "outpace: ". */
  readonly title: string;
  /** The folder holding the files named below. */
  readonly folder: URL;
  /** Its own modules and styles, the module that starts it first, e.g. ['agent.js', 'call.js', 'agent.css']. */
  readonly files: readonly string[];
  /** Stylesheets of the web layer's vendors it uses besides the shared look, e.g. '/web/vendor/uplot.css'. */
  readonly vendorStyles?: readonly string[];
}

/**
 * Every page is the same shell: the import map before any module, the shared
 * look, the page's own styles, and its first module, which renders the body.
 */
export function pageHtml(page: WebPage): string {
  const own = (ending: string) => page.files.filter((name) => name.endsWith(ending)).map((name) => `${page.path}/${name}`);
  const entry = own('.js')[0];
  if (!entry) throw new Error(`${page.path}: a page names the module that starts it among its files`);
  const styles = [`${WEB_LAYER_PATH}/lib/web.css`, ...(page.vendorStyles ?? []), ...own('.css')];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>outpace: ${page.title}</title>`,
    '<link rel="icon" href="data:,">',
    IMPORT_MAP_TAG,
    ...styles.map((href) => `<link rel="stylesheet" href="${href}">`),
    `<script type="module" src="${entry}"></script>`,
    '</head>',
    '<body></body>',
    '</html>',
    '',
  ].join('\n');
}

/** A page: its shell at `path` (with the import map), its own files beside it. */
export function webPageRoutes(app: Api, page: WebPage): void {
  const html = pageHtml(page);
  serve(app, page.path, TYPES['.html']!, async () => html);
  for (const name of page.files) {
    const type = TYPES[extname(name)];
    if (!type) throw new Error(`${page.path}/${name}: a page serves .js, .mjs and .css files only`);
    serve(app, `${page.path}/${name}`, type, once(() => readFile(new URL(`./${name}`, page.folder), 'utf8')));
  }
}
