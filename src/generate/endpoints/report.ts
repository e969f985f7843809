/** What generate's summary and manifest say about each endpoint of a run. Pure. */

/** One endpoint's share of a run. */
export interface EndpointReport {
  /** The base URL without credentials. */
  url: string;
  /** The model name this endpoint was sent, or null for the job's own. */
  model: string | null;
  /** Requests sent to it (each one the client's attempt and its retries). */
  requests: number;
  /** Requests it answered. */
  answered: number;
  /** Requests that failed there (most went on to another endpoint). */
  errors: number;
  /** Median milliseconds from sending a request to its answer, or null when none was answered. */
  latencyP50Ms: number | null;
  /** 95th percentile of the same, or null. */
  latencyP95Ms: number | null;
  /** Times it was taken out. */
  takenOut: number;
}

/** Counts of one endpoint, as the pool keeps them. */
export interface EndpointCounts {
  requests: number;
  answered: number;
  errors: number;
  latenciesMs: readonly number[];
}

/** The report of one endpoint from its counts. */
export function endpointReport(url: string, model: string | undefined, counts: EndpointCounts, takenOut: number): EndpointReport {
  const sorted = [...counts.latenciesMs].sort((a, b) => a - b);
  return {
    url, model: model ?? null, requests: counts.requests, answered: counts.answered, errors: counts.errors,
    latencyP50Ms: percentile(sorted, 0.5), latencyP95Ms: percentile(sorted, 0.95), takenOut,
  };
}

/** The `q` quantile of ascending `sorted` (nearest rank), rounded to 0.1 ms; null when empty. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return Math.round(sorted[rank - 1]! * 10) / 10;
}

/** One line per endpoint for the end-of-run log. */
export function formatEndpointReports(reports: readonly EndpointReport[]): string[] {
  const ms = (value: number | null): string => (value === null ? '-' : `${Math.round(value)} ms`);
  return reports.map((report) =>
    `generate: endpoint ${report.url}${report.model === null ? '' : ` (model ${report.model})`}: ${report.requests} requests, ${report.answered} answered, ${report.errors} errors, latency p50 ${ms(report.latencyP50Ms)} p95 ${ms(report.latencyP95Ms)}, taken out ${report.takenOut} time${report.takenOut === 1 ? '' : 's'}`);
}

/**
 * The reports of a sharded run's parts as one: counts summed per endpoint URL and model; the
 * latency percentiles are the highest of the parts' (the parts' latencies are not kept).
 */
export function mergeEndpointReports(parts: readonly (readonly EndpointReport[])[]): EndpointReport[] {
  const merged = new Map<string, EndpointReport>();
  const higher = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));
  for (const report of parts.flat()) {
    const id = `${report.url}\u0000${report.model ?? ''}`;
    const into = merged.get(id);
    if (into === undefined) {
      merged.set(id, { ...report });
      continue;
    }
    into.requests += report.requests;
    into.answered += report.answered;
    into.errors += report.errors;
    into.takenOut += report.takenOut;
    into.latencyP50Ms = higher(into.latencyP50Ms, report.latencyP50Ms);
    into.latencyP95Ms = higher(into.latencyP95Ms, report.latencyP95Ms);
  }
  return [...merged.values()];
}
