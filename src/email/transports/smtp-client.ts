// A small SMTP submission client over Workers TCP sockets (cloudflare:sockets): EHLO, STARTTLS or implicit
// TLS (RFC 3207, RFC 8314), AUTH PLAIN/LOGIN (RFC 4954), one message per connection (RFC 5321). Written
// here rather than taken from worker-mailer 1.2.1 because that library continues in clear text when a
// server does not offer STARTTLS (a downgrade that exposes the password), spins on a closed socket until
// its timeout, and reports failures as text, where this needs the reply code to tell 4xx from 5xx.
import { connect } from 'cloudflare:sockets';
import { type DeliveryError, permanentFailure, temporaryFailure } from './transport';

export type SMTPSecurity = 'starttls' | 'tls' | 'plain';

export type SMTPOptions = {
  host: string;
  port: number;
  security: SMTPSecurity;
  credentials: { username: string; password: string } | undefined;
  // The name this client gives in EHLO (RFC 5321 §4.1.1.1): the sender's domain.
  clientName: string;
  timeoutMs: number;
};

export type SMTPEnvelope = { from: string; to: string };

type Reply = { code: number; lines: string[] };

const encoder = new TextEncoder();

// 4yz is "transient negative", 5yz "permanent negative" (RFC 5321 §4.2.1); anything else where a
// success was expected is a protocol mix-up, worth another try.
function failureFor(step: string, reply: Reply): DeliveryError {
  const reason = `smtp ${reply.code} at ${step}`;
  return reply.code >= 500 && reply.code < 600 ? permanentFailure(reason) : temporaryFailure(reason);
}

// RFC 5321 §4.5.2: a line of the message that starts with "." gets another "." in front of it.
export function dotStuff(message: string): string {
  return message.replace(/(^|\r\n)\./g, '$1..');
}

class SMTPConnection {
  private socket: Socket;
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private writer: WritableStreamDefaultWriter<Uint8Array>;
  private decoder = new TextDecoder();
  private buffered = '';

  constructor(private readonly options: SMTPOptions) {
    const secureTransport = { tls: 'on', starttls: 'starttls', plain: 'off' } as const;
    this.socket = connect(
      { hostname: options.host, port: options.port },
      { secureTransport: secureTransport[options.security], allowHalfOpen: false },
    );
    this.reader = this.socket.readable.getReader();
    this.writer = this.socket.writable.getWriter();
    this.ignoreClosedRejections();
  }

  // A connection the server drops rejects the `closed` promises; the failure is reported by the read or
  // write it breaks, so these need no handler of their own.
  private ignoreClosedRejections(): void {
    for (const closed of [this.socket.closed, this.reader.closed, this.writer.closed]) closed.catch(() => {});
  }

  private async withTimeout<T>(step: string, work: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(temporaryFailure(`smtp timeout at ${step}`)), this.options.timeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  async opened(): Promise<void> {
    await this.withTimeout(
      'connect',
      this.socket.opened.catch(() => {
        throw temporaryFailure('smtp connection failed');
      }),
    );
  }

  private async readLine(step: string): Promise<string> {
    for (;;) {
      const end = this.buffered.indexOf('\r\n');
      if (end >= 0) {
        const line = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end + 2);
        return line;
      }
      const chunk = await this.reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) throw temporaryFailure(`smtp connection closed at ${step}`);
      this.buffered += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  // A reply is one or more lines "250-…" ending with "250 …" (RFC 5321 §4.2.1).
  async reply(step: string): Promise<Reply> {
    return this.withTimeout(
      step,
      (async () => {
        const lines: string[] = [];
        for (;;) {
          const line = await this.readLine(step);
          const match = line.match(/^(\d{3})([ -]|$)(.*)$/);
          if (!match) throw temporaryFailure(`smtp malformed reply at ${step}`);
          lines.push(match[3] ?? '');
          if (match[2] !== '-') return { code: Number(match[1]), lines };
        }
      })(),
    );
  }

  async write(step: string, text: string): Promise<void> {
    await this.withTimeout(
      step,
      this.writer.write(encoder.encode(text)).catch(() => {
        throw temporaryFailure(`smtp connection closed at ${step}`);
      }),
    );
  }

  async command(step: string, line: string, expected: number[]): Promise<Reply> {
    await this.write(step, `${line}\r\n`);
    const reply = await this.reply(step);
    if (!expected.includes(reply.code)) throw failureFor(step, reply);
    return reply;
  }

  upgradeToTLS(): void {
    this.reader.releaseLock();
    this.writer.releaseLock();
    this.socket = this.socket.startTls();
    this.reader = this.socket.readable.getReader();
    this.writer = this.socket.writable.getWriter();
    this.ignoreClosedRejections();
    this.buffered = '';
  }

  close(): void {
    this.socket.close().catch(() => {});
  }
}

const hasCapability = (ehlo: Reply, name: string) =>
  ehlo.lines.some((line) => line.toUpperCase().split(/\s+/)[0] === name);

function authMechanisms(ehlo: Reply): string[] {
  const line = ehlo.lines.find((l) => /^AUTH[ =]/i.test(l));
  return line ? line.slice(5).toUpperCase().split(/\s+/) : [];
}

async function authenticate(
  connection: SMTPConnection,
  ehlo: Reply,
  credentials: SMTPOptions['credentials'],
) {
  if (!credentials) return;
  const mechanisms = authMechanisms(ehlo);
  if (mechanisms.includes('PLAIN')) {
    const token = btoa(
      String.fromCharCode(...encoder.encode(`\0${credentials.username}\0${credentials.password}`)),
    );
    await connection.command('AUTH', `AUTH PLAIN ${token}`, [235]);
  } else if (mechanisms.includes('LOGIN')) {
    const base64 = (text: string) => btoa(String.fromCharCode(...encoder.encode(text)));
    await connection.command('AUTH', 'AUTH LOGIN', [334]);
    await connection.command('AUTH', base64(credentials.username), [334]);
    await connection.command('AUTH', base64(credentials.password), [235]);
  } else {
    throw permanentFailure('smtp server offers no AUTH PLAIN or LOGIN');
  }
}

// Sends one message. Resolves only once the server has answered 250 to the end of DATA, i.e. taken
// responsibility for the message (RFC 5321 §4.1.1.4); everything else throws a DeliveryError.
export async function sendOverSMTP(
  options: SMTPOptions,
  envelope: SMTPEnvelope,
  message: string,
): Promise<void> {
  const connection = new SMTPConnection(options);
  try {
    await connection.opened();
    const greeting = await connection.reply('greeting');
    if (greeting.code !== 220) throw failureFor('greeting', greeting);
    let ehlo = await connection.command('EHLO', `EHLO ${options.clientName}`, [250]);
    if (options.security === 'starttls') {
      // Never fall back to clear text: a missing STARTTLS is a misconfiguration or a downgrade attack.
      if (!hasCapability(ehlo, 'STARTTLS')) throw permanentFailure('smtp server does not offer STARTTLS');
      await connection.command('STARTTLS', 'STARTTLS', [220]);
      connection.upgradeToTLS();
      // RFC 3207 §4.2: forget what was learnt before TLS and ask again.
      ehlo = await connection.command('EHLO', `EHLO ${options.clientName}`, [250]);
    }
    await authenticate(connection, ehlo, options.credentials);
    await connection.command('MAIL FROM', `MAIL FROM:<${envelope.from}>`, [250]);
    await connection.command('RCPT TO', `RCPT TO:<${envelope.to}>`, [250, 251]);
    await connection.command('DATA', 'DATA', [354]);
    const body = dotStuff(message.endsWith('\r\n') ? message : `${message}\r\n`);
    await connection.write('end of DATA', `${body}.\r\n`);
    const accepted = await connection.reply('end of DATA');
    if (accepted.code !== 250) throw failureFor('end of DATA', accepted);
    // The message is the server's now; a failing QUIT changes nothing.
    await connection.command('QUIT', 'QUIT', [221]).catch(() => {});
  } finally {
    connection.close();
  }
}
