import type { AppRouteHandler } from '../../app-env';
import type {
  changePasswordRoute,
  disableTFARoute,
  forgotPasswordRoute,
  regenerateBackupTokensRoute,
  resetPasswordRoute,
  tfaStatusRoute,
} from './account.routes';
import {
  changePassword,
  FORGOT_PASSWORD_ANSWER,
  requestPasswordReset,
  resetPassword,
} from './password.service';
import { disableTwoFactor, getTwoFactorStatus, regenerateBackupTokens } from './tfa-settings.service';

export const forgotPassword: AppRouteHandler<typeof forgotPasswordRoute> = async (c) => {
  await requestPasswordReset(c.get('deps'), c.req.valid('json').email);
  return c.json({ detail: FORGOT_PASSWORD_ANSWER }, 202);
};

export const resetPasswordHandler: AppRouteHandler<typeof resetPasswordRoute> = async (c) => {
  const { token, new_password } = c.req.valid('json');
  const { revokedSessions } = await resetPassword(c.get('deps'), { token, newPassword: new_password });
  return c.json(
    {
      detail: 'Your password was reset and every session signed out; log in with the new password.',
      revoked_sessions: revokedSessions,
    },
    200,
  );
};

export const changePasswordHandler: AppRouteHandler<typeof changePasswordRoute> = async (c) => {
  const { current_password, new_password } = c.req.valid('json');
  const { revokedSessions } = await changePassword(c.get('deps'), c.get('principal'), {
    currentPassword: current_password,
    newPassword: new_password,
  });
  return c.json(
    {
      detail: 'Your password was changed; your other sessions were signed out.',
      revoked_sessions: revokedSessions,
    },
    200,
  );
};

export const disableTFA: AppRouteHandler<typeof disableTFARoute> = async (c) => {
  await disableTwoFactor(c.get('deps'), c.get('principal'), c.req.valid('json'));
  return c.json({ tfa_enabled: false as const, detail: 'Two-factor authentication is disabled.' }, 200);
};

export const regenerateBackupTokensHandler: AppRouteHandler<typeof regenerateBackupTokensRoute> = async (
  c,
) => {
  const result = await regenerateBackupTokens(c.get('deps'), c.get('principal'), c.req.valid('json'));
  return c.json(
    {
      detail: 'New backup tokens were emailed to you; the old ones no longer work.',
      backup_tokens_remaining: result.backupTokensRemaining,
    },
    200,
  );
};

export const tfaStatus: AppRouteHandler<typeof tfaStatusRoute> = async (c) => {
  const status = await getTwoFactorStatus(c.get('deps'), c.get('principal').userId);
  return c.json(
    {
      tfa_enabled: status.tfaEnabled,
      device_type: status.deviceType,
      backup_tokens_remaining: status.backupTokensRemaining,
    },
    200,
  );
};
