// The part of autocannon's API the benchmark uses; the package ships no types of its own.
declare module 'autocannon' {
  /**
   * Resolves with the aggregated result on the main thread; in a worker thread, with the raw per-thread
   * result (histograms still encoded), which `aggregateResult` turns into the aggregated form.
   */
  function autocannon(options: autocannon.Options): Promise<autocannon.RawResult>;

  namespace autocannon {
    interface RawRequest {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
    }

    interface RequestSpec extends RawRequest {
      setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest | undefined;
    }

    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      amount?: number;
      /** Milliseconds between samples; also how often the run checks whether it is done. */
      sampleInt?: number;
      timeout?: number;
      pipelining?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      requests?: RequestSpec[];
    }

    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      p50: number;
      p90: number;
      p99: number;
      p99_9: number;
    }

    interface Result {
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
      '4xx': number;
      '5xx': number;
      statusCodeStats: Record<string, { count: number }>;
      latency: Histogram;
      requests: Histogram & { total: number; sent: number };
    }

    interface RawResult {
      totalCompletedRequests: number;
      duration: number;
    }

    function aggregateResult(results: RawResult[], options: Options): Result;
  }

  export = autocannon;
}
