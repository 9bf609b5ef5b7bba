import type { AppRouteHandler } from '../../app-env';
import { respondWithQRCode } from '../auth/respond-qr';
import { chooseSubmittedCode } from './submitted-code';
import type { enableTFARoute, getMyQRCodeRoute, loginTFARoute, recoverTFARoute } from './tfa.routes';
import {
  completeLoginWithBackupToken,
  completeLoginWithCode,
  enableTwoFactor,
  getMyQRCode,
} from './tfa.service';

export const loginTFA: AppRouteHandler<typeof loginTFARoute> = async (c) => {
  const code = chooseSubmittedCode('tfa_token', {
    query: c.req.valid('query').tfa_token,
    body: c.req.valid('form').tfa_token ?? c.req.valid('json').tfa_token,
  });
  return c.json(await completeLoginWithCode(c.get('deps'), c.get('challenge'), code), 200);
};

export const recoverTFA: AppRouteHandler<typeof recoverTFARoute> = async (c) => {
  const code = chooseSubmittedCode('tfa_backup_token', {
    query: c.req.valid('query').tfa_backup_token,
    body: c.req.valid('form').tfa_backup_token ?? c.req.valid('json').tfa_backup_token,
  });
  return c.json(await completeLoginWithBackupToken(c.get('deps'), c.get('challenge'), code), 200);
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
