// The slice of autocannon 8's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  export type RequestParams = {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  };

  export type AutocannonRequest = RequestParams & {
    // Called before each request (context is per connection and per pass over `requests`); must return one.
    setupRequest?: (request: RequestParams, context: Record<string, unknown>) => RequestParams;
    // Called with each response before the connection's next setupRequest.
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
  };

  export type Options = {
    url: string;
    connections: number;
    duration?: number;
    amount?: number;
    timeout?: number;
    requests?: AutocannonRequest[];
  };

  export type Histogram = {
    average: number;
    mean: number;
    p50: number;
    p99: number;
    max: number;
    total: number;
  };

  export type Result = {
    duration: number;
    latency: Histogram;
    requests: Histogram & { sent: number };
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    statusCodeStats: Record<string, { count: number }>;
  };

  type Instance = PromiseLike<Result> & { stop(): void };

  function autocannon(options: Options): Instance;
  export default autocannon;
}
