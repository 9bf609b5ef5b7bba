import type { AppRouteHandler } from '../../app-env';
import { negotiateLanguageTag } from '../../email/locales';
import { toUserDTO } from '../users/user-dto';
import type {
  loginRoute,
  logoutAllRoute,
  logoutRoute,
  refreshRoute,
  signupRoute,
  testTokenRoute,
} from './auth.routes';
import { getCurrentUser, logIn, refreshTokens, signUp } from './auth.service';
import { respondWithQRCode } from './respond-qr';
import { logOut, logOutEverywhere } from './sessions.service';

export const signup: AppRouteHandler<typeof signupRoute> = async (c) => {
  const body = c.req.valid('json');
  const { format } = c.req.valid('query');
  const result = await signUp(c.get('deps'), {
    email: body.email,
    password: body.password,
    fullName: body.full_name,
    tfaEnabled: body.tfa_enabled,
    deviceType: body.device?.device_type,
    locale: body.locale ?? negotiateLanguageTag(c.req.header('accept-language')),
  });
  if (result.otpauthURI) return respondWithQRCode(c, 201, result.otpauthURI, format, result.user) as never;
  return c.json(toUserDTO(result.user), 201);
};

export const login: AppRouteHandler<typeof loginRoute> = async (c) => {
  const form = c.req.valid('form');
  const result = await logIn(c.get('deps'), { username: form.username, password: form.password });
  if (result.kind === 'second_factor_required') {
    return c.json(
      { access_token: result.preTFAToken, refresh_token: null, token_type: 'bearer' as const },
      202,
    );
  }
  return c.json(result.tokens, 200);
};

export const testToken: AppRouteHandler<typeof testTokenRoute> = async (c) => {
  const user = await getCurrentUser(c.get('deps'), c.get('principal').userId);
  return c.json(toUserDTO(user), 200);
};

export const refresh: AppRouteHandler<typeof refreshRoute> = async (c) => {
  const { refresh_token } = c.req.valid('json');
  return c.json(await refreshTokens(c.get('deps'), refresh_token), 200);
};

export const logout: AppRouteHandler<typeof logoutRoute> = async (c) => {
  await logOut(c.get('deps'), c.get('principal'));
  return c.body(null, 204);
};

export const logoutAll: AppRouteHandler<typeof logoutAllRoute> = async (c) => {
  const revoked = await logOutEverywhere(c.get('deps'), c.get('principal'));
  return c.json({ revoked_sessions: revoked }, 200);
};
