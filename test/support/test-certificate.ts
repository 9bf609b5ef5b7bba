// A throwaway TLS certificate for 127.0.0.1, made once per test run (nothing secret is committed). The
// local SMTP servers present it (test/support/mail-servers.ts), and workerd trusts it: Miniflare adds the
// certificates in NODE_EXTRA_CA_CERTS to the trust store of the Worker's outbound network when its module
// loads (vitest.config.ts imports Miniflare after this module), so the Worker's `connect()` verifies the
// local servers as it would a real one. Vitest evaluates its config several times in one process: the
// first evaluation makes the files and later ones reuse them (found through the environment).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DIRECTORY_VARIABLE = 'EDGE_2FA_TEST_TLS_DIRECTORY';

function makeCertificate(): string {
  const directory = mkdtempSync(join(tmpdir(), 'edge-2fa-test-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=edge-2fa test SMTP server',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      join(directory, 'key.pem'),
      '-out',
      join(directory, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  // Keep the certificates the environment already trusts this way (a system bundle, a proxy's).
  const inherited = process.env.NODE_EXTRA_CA_CERTS;
  const certificate = readFileSync(join(directory, 'cert.pem'), 'utf8');
  writeFileSync(
    join(directory, 'trusted.pem'),
    `${inherited ? `${readFileSync(inherited, 'utf8')}\n` : ''}${certificate}`,
  );
  process.env.NODE_EXTRA_CA_CERTS = join(directory, 'trusted.pem');
  process.env[DIRECTORY_VARIABLE] = directory;
  return directory;
}

const directory = process.env[DIRECTORY_VARIABLE] ?? makeCertificate();
export const TEST_TLS_KEY_FILE = join(directory, 'key.pem');
export const TEST_TLS_CERT_FILE = join(directory, 'cert.pem');
