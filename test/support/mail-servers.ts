// Global setup of the "email" test project (Node): real mail servers on 127.0.0.1 for the Worker to send
// to through workerd's sockets and fetch.
//   - SMTP with STARTTLS and AUTH, SMTP with implicit TLS and AUTH (both on the run's test certificate),
//     SMTP in plain text without AUTH (a Mailpit-like catch-all), and a port where nothing listens.
//   - A local stand-in of Resend's POST /emails that checks each request as Resend documents it
//     (bearer key, JSON body, Idempotency-Key) and answers errors in Resend's shape.
// The recipient's local part chooses a fault, so tests running side by side never share server state:
//   tempfail-*  451 at RCPT TO, always        permfail-*  550 at RCPT TO
//   flaky-*     451 at RCPT TO, first time     drop-*      connection dropped in the middle of DATA, first time
//   ratelimit-* HTTP 429, always               ratelimited-once-*  HTTP 429 the first time
//   servererror-* HTTP 500, first time         invalid-*   HTTP 422 validation_error
// GET /_test/smtp?to=… and /_test/http?to=… list what was accepted for a recipient.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { TestProject } from 'vitest/node';
import { TEST_TLS_CERT_FILE, TEST_TLS_KEY_FILE } from './test-certificate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    smtpStartTLSPort: number;
    smtpImplicitTLSPort: number;
    smtpPlainPort: number;
    smtpDownPort: number;
    smtpUsername: string;
    smtpPassword: string;
    mailApiUrl: string;
    mailApiKey: string;
  }
}

export type ReceivedSMTP = {
  server: string;
  from: string;
  to: string[];
  secure: boolean;
  user: string | null;
  raw: string;
};
export type ReceivedHTTP = { idempotencyKey: string; body: Record<string, unknown> };

const USERNAME = 'edge2fa-test';
const PASSWORD = randomBytes(18).toString('base64url');
const API_KEY = `re_${randomBytes(18).toString('base64url')}`;

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

const localPart = (address: string) => address.split('@')[0] ?? '';

function startSMTP(
  name: string,
  mode: 'starttls' | 'tls' | 'plain',
  received: ReceivedSMTP[],
  seen: Map<string, number>,
): Promise<{ server: SMTPServer; port: number }> {
  const tls =
    mode === 'plain' ? {} : { key: readFileSync(TEST_TLS_KEY_FILE), cert: readFileSync(TEST_TLS_CERT_FILE) };
  const server: SMTPServer = new SMTPServer({
    ...tls,
    secure: mode === 'tls',
    hideSTARTTLS: mode !== 'starttls',
    authOptional: mode === 'plain',
    disabledCommands: mode === 'plain' ? ['AUTH', 'STARTTLS'] : [],
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USERNAME && auth.password === PASSWORD) callback(null, { user: USERNAME });
      else callback(smtpError(535, 'Authentication credentials invalid'));
    },
    onRcptTo(address, _session, callback) {
      const local = localPart(address.address);
      const attempts = (seen.get(`rcpt:${address.address}`) ?? 0) + 1;
      seen.set(`rcpt:${address.address}`, attempts);
      if (local.startsWith('tempfail-') || (local.startsWith('flaky-') && attempts === 1))
        return callback(smtpError(451, 'Try again later'));
      if (local.startsWith('permfail-')) return callback(smtpError(550, 'No such user'));
      callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      const recipient = session.envelope.rcptTo[0]?.address ?? '';
      const attempts = (seen.get(`data:${recipient}`) ?? 0) + 1;
      seen.set(`data:${recipient}`, attempts);
      let dropped = false;
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (localPart(recipient).startsWith('drop-') && attempts === 1 && !dropped) {
          // The connection dies in the middle of the message: the server never answers the final dot.
          dropped = true;
          for (const connection of (
            server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }
          ).connections)
            if (connection.id === session.id) connection._socket.destroy();
        }
      });
      stream.on('end', () => {
        if (dropped) return;
        received.push({
          server: name,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: (session.user as string | undefined) ?? null,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  return new Promise((resolve, reject) => {
    server.on('error', () => {});
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.server.address() as AddressInfo).port }),
    );
    server.server.once('error', reject);
  });
}

async function readJSON(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

// Resend's error shape: https://resend.com/docs/api-reference/errors
const resendError = (response: ServerResponse, status: number, name: string, message: string) =>
  answer(response, status, { statusCode: status, name, message });

function startMailAPI(smtpReceived: ReceivedSMTP[], httpReceived: ReceivedHTTP[], seen: Map<string, number>) {
  const idempotent = new Map<string, { body: string; id: string }>();
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method === 'GET' && url.pathname.startsWith('/_test/')) {
      const to = url.searchParams.get('to') ?? '';
      const list =
        url.pathname === '/_test/smtp'
          ? smtpReceived.filter((m) => m.to.includes(to))
          : httpReceived.filter((m) => (m.body.to as string[] | undefined)?.includes(to));
      return answer(response, 200, list);
    }
    if (request.method !== 'POST' || url.pathname !== '/emails')
      return resendError(response, 404, 'not_found', 'The requested endpoint does not exist.');
    const authorization = request.headers.authorization;
    if (!authorization)
      return resendError(response, 401, 'missing_api_key', 'Missing API key in the authorization header.');
    if (authorization !== `Bearer ${API_KEY}`)
      return resendError(response, 403, 'invalid_api_key', 'API key is invalid');
    if (!request.headers['content-type']?.startsWith('application/json'))
      return resendError(response, 400, 'validation_error', 'Content-Type must be application/json');
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length < 1 || key.length > 256)
      return resendError(response, 400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.');
    const body = (await readJSON(request)) as Record<string, unknown> | undefined;
    const to = Array.isArray(body?.to) ? (body.to as string[]) : [];
    const valid =
      body &&
      typeof body.from === 'string' &&
      to.length >= 1 &&
      to.length <= 50 &&
      typeof body.subject === 'string' &&
      (typeof body.html === 'string' || typeof body.text === 'string') &&
      (body.headers === undefined || typeof body.headers === 'object');
    if (!valid || !body) return resendError(response, 422, 'validation_error', 'Invalid request body.');
    const local = localPart(to[0] ?? '');
    const attempts = (seen.get(`http:${to[0]}`) ?? 0) + 1;
    seen.set(`http:${to[0]}`, attempts);
    if (local.startsWith('ratelimit-') || (local.startsWith('ratelimited-once-') && attempts === 1))
      return resendError(
        response,
        429,
        'rate_limit_exceeded',
        'Too many requests. You can only make 2 requests per second.',
      );
    if (local.startsWith('servererror-') && attempts === 1)
      return resendError(response, 500, 'application_error', 'An unexpected error occurred.');
    if (local.startsWith('invalid-'))
      return resendError(response, 422, 'validation_error', 'Invalid `to` field.');
    // Same key and same body: the first answer again, nothing sent twice; same key, other body: 409.
    const serialized = JSON.stringify(body);
    const previous = idempotent.get(key);
    if (previous) {
      if (previous.body !== serialized)
        return resendError(
          response,
          409,
          'invalid_idempotent_request',
          'Same idempotency key used with a different request payload.',
        );
      return answer(response, 200, { id: previous.id });
    }
    const id = crypto.randomUUID();
    idempotent.set(key, { body: serialized, id });
    httpReceived.push({ idempotencyKey: key, body });
    answer(response, 200, { id });
  });
  return new Promise<{ server: Server; url: string }>((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    );
  });
}

// A port that refuses connections: bound, then closed.
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export default async function setup(project: TestProject) {
  const smtpReceived: ReceivedSMTP[] = [];
  const httpReceived: ReceivedHTTP[] = [];
  const seen = new Map<string, number>();
  const startTLS = await startSMTP('starttls', 'starttls', smtpReceived, seen);
  const implicitTLS = await startSMTP('tls', 'tls', smtpReceived, seen);
  const plain = await startSMTP('plain', 'plain', smtpReceived, seen);
  const api = await startMailAPI(smtpReceived, httpReceived, seen);
  project.provide('smtpStartTLSPort', startTLS.port);
  project.provide('smtpImplicitTLSPort', implicitTLS.port);
  project.provide('smtpPlainPort', plain.port);
  project.provide('smtpDownPort', await closedPort());
  project.provide('smtpUsername', USERNAME);
  project.provide('smtpPassword', PASSWORD);
  project.provide('mailApiUrl', api.url);
  project.provide('mailApiKey', API_KEY);
  return async () => {
    await Promise.all([
      ...[startTLS, implicitTLS, plain].map(
        ({ server }) => new Promise((resolve) => server.close(() => resolve(undefined))),
      ),
      new Promise((resolve) => api.server.close(resolve)),
    ]);
  };
}
