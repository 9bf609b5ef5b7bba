import { z } from '@hono/zod-openapi';
import type { App } from '../../app-env';
import { publicJWKS } from '../../crypto/jwt';
import { provideDeps } from '../../http/middleware/deps';
import { defineRoute } from '../../http/openapi-route';

export const JWKS_PATH = '/.well-known/jwks.json';

// Public keys for verifying this service's access tokens without a shared secret (RFC 7517). Every
// configured key is published, so tokens signed before a rotation keep verifying until they expire.
const jwksRoute = defineRoute({
  operationId: 'getJWKS',
  method: 'get',
  path: JWKS_PATH,
  tags: ['auth'],
  summary: 'JSON Web Key Set of the token signing keys',
  responses: {
    200: {
      description: 'The public keys (Ed25519, EdDSA)',
      content: {
        'application/json': {
          schema: z
            .object({
              keys: z.array(
                z.object({
                  kty: z.string(),
                  crv: z.string(),
                  x: z.string(),
                  kid: z.string(),
                  alg: z.string(),
                  use: z.string(),
                }),
              ),
            })
            .openapi('JWKS'),
        },
      },
    },
  },
  offline: true,
});

export function registerKeysRoutes(app: App): void {
  app.use(JWKS_PATH, provideDeps);
  app.openapi(jwksRoute, (c) => {
    c.header('cache-control', 'public, max-age=300');
    return c.json(publicJWKS(c.get('deps').secrets.signingKeys) as never, 200);
  });
}
