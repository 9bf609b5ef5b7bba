// Keeps web pages away from the local database. Any page the developer visits can POST to
// http://127.0.0.1:4444/sql (a text/plain body needs no CORS preflight, and the driver itself sends
// text/plain, so the content type proves nothing), and a DNS-rebinding page can even read the answer.
// Neither the Worker (workerd's fetch) nor Node sends an Origin; a browser always does on a cross-site
// POST. A rebinding page's requests carry its own host name in Host. So: no Origin, and a loopback Host.
// (The third guard, a Neon-Connection-String with the right password, is checked in credentials.ts.)
import type { IncomingHttpHeaders } from 'node:http';
import { NeonError } from './errors.ts';

const FORBIDDEN_STATUS = 403;
const LOOPBACK_HOSTNAMES = new Set(['localhost', '[::1]']);

export function refuseBrowserRequests(headers: IncomingHttpHeaders, listenHost: string): void {
  if (headers.origin !== undefined) {
    throw new NeonError('the local gateway refuses requests from web pages (they carry an Origin header)', {
      status: FORBIDDEN_STATUS,
    });
  }
  const hostname = readHostname(headers.host);
  if (hostname === undefined || !isAllowedHostname(hostname, listenHost)) {
    throw new NeonError(
      `the local gateway answers only on a loopback address, not Host ${JSON.stringify(headers.host ?? '')}`,
      { status: FORBIDDEN_STATUS },
    );
  }
}

function readHostname(host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function isAllowedHostname(hostname: string, listenHost: string): boolean {
  if (LOOPBACK_HOSTNAMES.has(hostname)) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)) return true;
  // Bound to one explicit address (--host 192.168.1.5), its own address is how clients reach it.
  return hostname === listenHost.toLowerCase() || hostname === `[${listenHost.toLowerCase()}]`;
}
