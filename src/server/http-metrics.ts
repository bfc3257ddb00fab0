import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ServerMetrics {
  readonly registry: Registry;
  /** One request answered; `route` is the route's pattern (`/api/backtests/archives/:week`), not the URL. */
  requestAnswered(labels: { method: string; route: string; status: string }, seconds: number): void;
  /** A backtest run ended after `seconds`. */
  jobFinished(outcome: 'completed' | 'error', seconds: number): void;
}

/**
 * The server's Prometheus metrics on a registry of its own (two servers in one process, as in
 * the tests, never share counters): requests and latencies by route and status, backtest job
 * durations, the age of the last successful run, and the default process metrics.
 */
export function createServerMetrics(lastSuccessAt: () => Date | null, now: () => Date): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'kobe_http_requests_total', help: 'HTTP requests answered, by route and status', labelNames, registers: [registry] });
  const latency = new Histogram({
    name: 'kobe_http_request_duration_seconds',
    help: 'HTTP request latency, by route and status',
    labelNames,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  const jobs = new Histogram({
    name: 'kobe_backtest_job_duration_seconds',
    help: 'backtest job durations, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  new Gauge({
    name: 'kobe_backtest_last_success_age_seconds',
    help: 'seconds since the last complete backtest run was generated (absent before the first)',
    registers: [registry],
    collect() {
      const at = lastSuccessAt();
      this.reset();
      if (at !== null) this.set(Math.max(0, (now().getTime() - at.getTime()) / 1000));
    },
  });
  return {
    registry,
    requestAnswered: (labels, seconds) => {
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    jobFinished: (outcome, seconds) => jobs.observe({ outcome }, seconds),
  };
}
