// The benchmark's peer: Better Auth (email + password, its twoFactor plugin) on Node with `pg`, as its docs
// set it up, on the same PostgreSQL as edge-2fa. Started by bench/peer.ts, never by the Worker.
//   PEER_DATABASE_URL  its own database (its schema comes from its own migration API at start)
//   PEER_PORT          0 for a free port; prints "peer listening on http://127.0.0.1:<port>" when ready
//   PEER_SECRET        Better Auth's secret (random per run)
// Besides /api/auth/*, it answers GET /__bench/stats and POST /__bench/stats/reset with the statements it
// sent to PostgreSQL (each one a round trip: node-postgres does not pipeline), counted on the pool.
import { createServer } from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { twoFactor } from 'better-auth/plugins/two-factor';
import pg from 'pg';

const POOL_SIZE = 10;

const stats = { statements: 0 };
const pool = new pg.Pool({ connectionString: process.env.PEER_DATABASE_URL, max: POOL_SIZE });
// Kysely (Better Auth's SQL layer) checks a client out and calls client.query: count there.
pool.on('connect', (client) => {
  const query = client.query.bind(client);
  client.query = (...args) => {
    stats.statements += 1;
    return query(...args);
  };
});

const port = Number(process.env.PEER_PORT ?? 0);
const options = {
  appName: 'edge-2fa-bench-peer',
  baseURL: 'http://127.0.0.1',
  secret: process.env.PEER_SECRET,
  database: pool,
  emailAndPassword: { enabled: true },
  plugins: [twoFactor({ issuer: 'edge-2fa-bench-peer' })],
  // Its production default, kept on like edge-2fa's limiters; each benchmark request carries its own
  // X-Forwarded-For, as each of edge-2fa's carries its own CF-Connecting-IP.
  rateLimit: { enabled: true, storage: 'memory' },
  advanced: { ipAddress: { ipAddressHeaders: ['x-forwarded-for'] } },
  telemetry: { enabled: false },
  trustedOrigins: ['http://127.0.0.1'],
};

const { runMigrations } = await getMigrations(options);
await runMigrations();
const auth = betterAuth(options);
const authHandler = toNodeHandler(auth);

const server = createServer((request, response) => {
  if (request.url === '/__bench/stats') {
    if (request.method === 'POST') stats.statements = 0;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(stats));
    return;
  }
  authHandler(request, response);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`peer listening on http://127.0.0.1:${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    pool.end().finally(() => process.exit(0));
  });
}
