// API DTOs of the admin endpoints: never a password hash, secret, code or token hash.
import { z } from '@hono/zod-openapi';
import { plainText } from '../../http/input-text';
import { DeviceTypeSchema } from '../auth/auth.schemas';

export const UserIdParamSchema = z.object({
  id: z
    .uuid()
    .openapi({ param: { name: 'id', in: 'path' }, example: '0b7e8c1e-8f3a-4f4e-9a51-6a8f4c1d2e3f' }),
});

export const AdminUserQuerySchema = z.object({
  search: plainText().min(1).max(254).optional().openapi({ description: 'Part of the email or the name' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const AdminUserSummarySchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    full_name: z.string(),
    role: z.enum(['user', 'admin']),
    email_verified: z.boolean(),
    tfa_enabled: z.boolean(),
    created_at: z.string(),
  })
  .openapi('AdminUserSummary');

export const AdminUserListSchema = z
  .object({
    users: z.array(AdminUserSummarySchema),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .openapi('AdminUserList');

export const AdminUserDetailSchema = AdminUserSummarySchema.extend({
  // A union, not .nullable(): zod-openapi renders nullable enums as an allOf that forbids null.
  device_type: z.union([DeviceTypeSchema, z.null()]).openapi({ description: 'null without TFA' }),
  backup_tokens_remaining: z.number().int(),
  failed_auth_count: z.number().int(),
  locked_for_seconds: z.number().int().openapi({ description: '0 when the account is not locked' }),
  live_sessions: z.number().int(),
  last_login_at: z.string().nullable(),
}).openapi('AdminUserDetail');

export const AdminReasonSchema = z
  .object({
    reason: plainText().min(3).max(500).openapi({
      description: 'Why (recorded with the administrator id)',
      example: 'Lost phone, identity checked by video call',
    }),
  })
  .strict()
  .openapi('AdminReason');

export const AdminActionResultSchema = z
  .object({ detail: z.string(), revoked_sessions: z.number().int().optional() })
  .openapi('AdminActionResult');
