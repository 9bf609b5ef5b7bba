// Bindings the test configuration adds on top of wrangler.toml, and the main module's type for `exports`.
declare namespace Cloudflare {
  interface Env {
    GATEWAY_CONTROL_URL: string;
    // The "email" project only (vitest.config.ts, test/support/mail-servers.ts).
    SMTP_PASSWORD: string;
    SMTP_TEST_IMPLICIT_TLS_PORT: string;
    SMTP_TEST_PLAIN_PORT: string;
    SMTP_TEST_DOWN_PORT: string;
    MAIL_TEST_API_URL: string;
    MAIL_TEST_API_KEY: string;
    SEND_EMAIL: SendEmail;
  }
  interface GlobalProps {
    mainModule: typeof import('../src/index');
  }
}
