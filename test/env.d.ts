// Bindings the test configuration adds on top of wrangler.toml, and the main module's type for `exports`.
declare namespace Cloudflare {
  interface Env {
    GATEWAY_CONTROL_URL: string;
  }
  interface GlobalProps {
    mainModule: typeof import('../src/index');
  }
}
