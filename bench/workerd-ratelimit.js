// The rate-limiter binding for plain workerd (bench/servers.ts), which has no Rate Limiting service of its
// own: like Cloudflare's, an in-memory counter per key and fixed window, with the binding's `limit()` API.
// Loaded as an internal module of a wrapped binding; `limit` and `period` come from wrangler.toml.
class InMemoryRateLimiter {
  constructor(limit, periodSeconds) {
    this.maxRequests = limit;
    this.periodMs = periodSeconds * 1000;
    this.windows = new Map();
  }

  async limit({ key }) {
    const now = Date.now();
    const window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.periodMs) {
      this.windows.set(key, { startedAt: now, count: 1 });
      return { success: true };
    }
    window.count += 1;
    return { success: window.count <= this.maxRequests };
  }
}

export default function makeBinding(env) {
  return new InMemoryRateLimiter(env.limit, env.period);
}
