// Who may run SQL through the gateway. As Neon: only a request whose Neon-Connection-String names a host,
// the right user, password and database (Neon's checks and error messages, all 400). Beyond Neon, because
// it listens on the developer's machine: no web page (a request with an Origin), and no Host other than a
// loopback one (DNS rebinding), whatever the route.
import { NeonDbError, neon } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CONNECTION_STRING } from '../../tools/gateway/credentials.ts';
import type { Gateway } from '../../tools/gateway/server.ts';
import { getBaseURL, postSQL, startTestGateway } from './fixture.ts';

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startTestGateway();
});

afterAll(async () => {
  await gateway?.close();
});

const SELECT_ONE = { query: 'SELECT 1' };

describe('Neon-Connection-String, checked as Neon checks it', () => {
  it.each([
    ['no header at all', undefined, 'invalid header: neon-connection-string'],
    ['not a URL', 'edge2fa', 'invalid connection string: relative URL without a base'],
    ['another scheme', 'mysql://edge2fa:local@db.localtest.me/edge2fa', 'incorrect scheme'],
    ['no user', 'postgresql://db.localtest.me/edge2fa', 'missing username'],
    [
      'no password',
      'postgresql://edge2fa@db.localtest.me/edge2fa',
      'missing authentication credentials: required password',
    ],
    ['an IP address as host', 'postgresql://edge2fa:local@127.0.0.1/edge2fa', 'missing hostname'],
    [
      'a wrong password',
      'postgresql://edge2fa:wrong@db.localtest.me/edge2fa',
      "password authentication failed for user 'edge2fa'",
    ],
    [
      'a wrong user',
      'postgresql://someone:local@db.localtest.me/edge2fa',
      "password authentication failed for user 'someone'",
    ],
  ])('refuses %s with 400 and Neon’s message', async (_label, connectionString, message) => {
    const headers: Record<string, string> = { 'Neon-Array-Mode': 'true' };
    if (connectionString !== undefined) headers['Neon-Connection-String'] = connectionString;
    const response = await fetch(gateway.sqlUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify(SELECT_ONE),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ message, code: '', severity: '' });
  });

  it('refuses a bearer token: Neon’s plain endpoint takes a password', async () => {
    const { status, json } = await postSQL(gateway, SELECT_ONE, { Authorization: 'Bearer abc' });
    expect(status).toBe(400);
    expect(json).toMatchObject({ message: 'missing authentication credentials: required password' });
  });

  it('answers a wrong database as Postgres answers Neon: 3D000, FATAL', async () => {
    const wrongDatabase = neon(LOCAL_CONNECTION_STRING.replace(/\/edge2fa$/, '/elsewhere'));
    const error = await wrongDatabase`SELECT 1`.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error).toMatchObject({
      message: 'database "elsewhere" does not exist',
      code: '3D000',
      severity: 'FATAL',
    });
  });

  it('accepts the configured credentials with any host name and extra parameters, as the driver sends them', async () => {
    const withOptions = neon(
      LOCAL_CONNECTION_STRING.replace('db.localtest.me', 'ep-local-123.eu-central-1.aws.neon.tech') +
        '?sslmode=require',
    );
    expect(await withOptions`SELECT 1 AS ok`).toEqual([{ ok: 1 }]);
  });
});

describe('web pages are refused (CSRF, DNS rebinding)', () => {
  it('refuses a request with an Origin, even a simple text/plain POST that needs no preflight', async () => {
    const response = await fetch(gateway.sqlUrl, {
      method: 'POST',
      headers: {
        Origin: 'https://evil.example',
        'Content-Type': 'text/plain',
        'Neon-Connection-String': LOCAL_CONNECTION_STRING,
      },
      body: JSON.stringify(SELECT_ONE),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ message: expect.stringMatching(/Origin/) });
  });

  it('refuses a bare text/plain body without Neon headers', async () => {
    const response = await fetch(gateway.sqlUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify(SELECT_ONE),
    });
    expect(response.status).toBe(400);
  });

  it('refuses a Host that is not loopback, on /sql and on the control routes', async () => {
    const { request } = await import('node:http');
    const send = (path: string, host: string, method = 'POST') =>
      new Promise<number>((resolve, reject) => {
        const outgoing = request(
          gateway.sqlUrl.replace('/sql', path),
          {
            method,
            headers: { Host: host, 'Neon-Connection-String': LOCAL_CONNECTION_STRING },
          },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        outgoing.on('error', reject);
        outgoing.end(
          method === 'POST' ? JSON.stringify(path === '/sql' ? SELECT_ONE : { enabled: true }) : undefined,
        );
      });
    expect(await send('/sql', 'rebound.evil.example:4444')).toBe(403);
    expect(await send('/control/outage', 'rebound.evil.example')).toBe(403);
    expect(await send('/stats', 'evil.example', 'GET')).toBe(403);
    expect(await send('/sql', `localhost:${gateway.port}`)).toBe(200);
    expect(await send('/sql', `[::1]:${gateway.port}`)).toBe(200);
    const health = await fetch(`${getBaseURL(gateway)}/health`);
    expect(await health.json()).toMatchObject({ outage: false });
  });
});
