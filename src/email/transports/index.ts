// The one transport the settings choose.
import type { EmailSettings } from '../email.settings';
import { createCloudflareTransport } from './cloudflare';
import { createConsoleTransport } from './console';
import { createHTTPTransport } from './http';
import { HTTP_EMAIL_PROVIDERS } from './providers';
import { createSMTPTransport } from './smtp';
import type { EmailTransport } from './transport';

export function createTransport(settings: EmailSettings['transport']): EmailTransport {
  switch (settings.kind) {
    case 'console':
      return createConsoleTransport();
    case 'smtp':
      return createSMTPTransport(settings.smtp);
    case 'http': {
      const provider = HTTP_EMAIL_PROVIDERS[settings.provider];
      if (!provider) throw new Error(`unknown provider ${settings.provider}`);
      return createHTTPTransport({ ...settings, provider });
    }
    case 'cloudflare':
      return createCloudflareTransport(settings.binding);
  }
}
