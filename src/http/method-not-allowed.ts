// RFC 9110 §15.5.6: a known path asked with a method it does not support answers 405 with an `Allow`
// header listing the methods it does, not 404. The index is built from the app's own routes, once.
import type { Context } from 'hono';
import type { App } from '../app-env';
import { problems } from './problem';

type AllowIndex = { pattern: RegExp; methods: Set<string> }[];

function buildAllowIndex(app: App): AllowIndex {
  const byPath = new Map<string, Set<string>>();
  for (const route of app.routes) {
    // Middleware (`use`) registers ALL; only real handlers say what a path supports.
    if (route.method === 'ALL') continue;
    const methods = byPath.get(route.path) ?? new Set<string>();
    methods.add(route.method);
    // Hono answers HEAD with the GET handler, minus the body.
    if (route.method === 'GET') methods.add('HEAD');
    byPath.set(route.path, methods);
  }
  return [...byPath].map(([path, methods]) => ({
    pattern: new RegExp(
      `^${path
        .split('/')
        .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/')}$`,
    ),
    methods,
  }));
}

/** The not-found handler: 405 with Allow for a known path, else the 404 problem. */
export function answerUnmatched(app: App): (c: Context) => Response {
  let index: AllowIndex | undefined;
  return (c) => {
    index ??= buildAllowIndex(app);
    const allowed = new Set(
      index.filter((entry) => entry.pattern.test(c.req.path)).flatMap((e) => [...e.methods]),
    );
    if (allowed.size === 0) return problems.notFound().toResponse();
    return problems.methodNotAllowed().toResponse({ allow: [...allowed].sort().join(', ') });
  };
}
