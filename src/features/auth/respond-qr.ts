import type { Context } from 'hono';
import type { UserView } from '../../db/queries/users';
import { renderQRCodeSVG } from '../tfa/qr-code';
import { toUserDTO } from '../users/user-dto';

// A code_generator enrollment answers with the QR image by default (as the original did with PNG), or with
// JSON for clients that render it themselves or offer manual entry.
export function respondWithQRCode(
  c: Context,
  status: 200 | 201,
  otpauthURI: string,
  format: 'svg' | 'json' | undefined,
  user: UserView | null,
): Response {
  const svg = renderQRCodeSVG(otpauthURI);
  if (format === 'json') {
    return c.json(
      { ...(user ? { user: toUserDTO(user) } : {}), otpauth_uri: otpauthURI, qr_svg: svg },
      status,
    );
  }
  return c.body(svg, status, { 'content-type': 'image/svg+xml' });
}
