import type { AppRouteHandler } from '../../app-env';
import type { resendVerificationRoute, verifyEmailRoute } from './email-verification.routes';
import { RESEND_VERIFICATION_ANSWER, resendVerification, verifyEmail } from './email-verification.service';

export const verifyEmailHandler: AppRouteHandler<typeof verifyEmailRoute> = async (c) => {
  const { email } = await verifyEmail(c.get('deps'), c.req.valid('json').token);
  return c.json({ email, email_verified: true as const, detail: 'Your email address is verified.' }, 200);
};

export const resendVerificationHandler: AppRouteHandler<typeof resendVerificationRoute> = async (c) => {
  await resendVerification(c.get('deps'), c.req.valid('json').email);
  return c.json({ detail: RESEND_VERIFICATION_ANSWER }, 202);
};
