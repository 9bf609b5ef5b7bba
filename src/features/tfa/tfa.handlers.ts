import type { AppRouteHandler } from '../../app-env';
import { respondWithQRCode } from '../auth/respond-qr';
import type { enableTFARoute, getMyQRCodeRoute, loginTFARoute, recoverTFARoute } from './tfa.routes';
import {
  completeLoginWithBackupToken,
  completeLoginWithCode,
  enableTwoFactor,
  getMyQRCode,
} from './tfa.service';

export const loginTFA: AppRouteHandler<typeof loginTFARoute> = async (c) => {
  const { tfa_token } = c.req.valid('query');
  c.header('cache-control', 'no-store');
  return c.json(await completeLoginWithCode(c.get('deps'), c.get('challenge'), tfa_token), 200);
};

export const recoverTFA: AppRouteHandler<typeof recoverTFARoute> = async (c) => {
  const { tfa_backup_token } = c.req.valid('query');
  c.header('cache-control', 'no-store');
  return c.json(await completeLoginWithBackupToken(c.get('deps'), c.get('challenge'), tfa_backup_token), 200);
};

export const getMyQRCodeHandler: AppRouteHandler<typeof getMyQRCodeRoute> = async (c) => {
  const { format } = c.req.valid('query');
  const { otpauthURI } = await getMyQRCode(c.get('deps'), c.get('principal').userId);
  return respondWithQRCode(c, 200, otpauthURI, format, null) as never;
};

export const enableTFA: AppRouteHandler<typeof enableTFARoute> = async (c) => {
  const { device_type } = c.req.valid('json');
  const { format } = c.req.valid('query');
  const result = await enableTwoFactor(c.get('deps'), c.get('principal'), device_type);
  if (result.otpauthURI) return respondWithQRCode(c, 200, result.otpauthURI, format, null) as never;
  return c.json({ tfa_enabled: true as const, device_type: result.deviceType }, 200);
};
