import type { z } from '@hono/zod-openapi';
import type { UserView } from '../../db/queries/users';
import type { UserSchema } from '../auth/auth.schemas';

// The public shape of a user: never the password hash, secrets or counters.
export function toUserDTO(user: UserView): z.infer<typeof UserSchema> {
  return {
    id: user.id,
    email: user.email,
    full_name: user.fullName,
    tfa_enabled: user.tfaEnabled,
    email_verified: user.emailVerified,
    device: user.device ? { id: user.device.id, device_type: user.device.deviceType } : null,
  };
}
