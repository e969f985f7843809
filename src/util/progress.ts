/**
 * A progress line on stderr with counts, rates and an ETA. On a TTY it redraws in place at most
 * every `intervalMs`; elsewhere (CI, logs) it prints a plain line every `logIntervalMs` so logs stay readable.
 */

/** Where progress is written and how time is read (injected for tests). */
export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
}

/** Options for {@link Progress}. */
export interface ProgressOptions {
  /** Label at the start of the line, e.g. `ingest`. */
  label: string;
  /** Unit of the main counter, e.g. `rows`. */
  unit: string;
  /** Expected total of the ETA measure (e.g. input bytes); unknown when undefined. */
  total?: number | undefined;
  /** Output sink. @default process.stderr */
  sink?: ProgressSink;
  /** Clock in milliseconds. @default performance.now */
  now?: () => number;
  /** Disable all output. @default false */
  quiet?: boolean;
  /** TTY redraw interval. @default 200 */
  intervalMs?: number;
  /** Non-TTY log line interval. @default 10000 */
  logIntervalMs?: number;
}

/** Formats a count compactly: 1234567 -> "1.23M". */
export function formatCount(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(2)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return `${Math.round(value)}`;
}

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * The most an unfinished run shows: work can remain after the last measured unit (rows still being
 * written, files renamed, a manifest), so 100% waits for {@link Progress.finish}.
 */
const UNFINISHED_MAX_FRACTION = 0.999;

/** A progress reporter. Call {@link Progress.update} often; it throttles itself. */
export class Progress {
  private readonly options: Required<Omit<ProgressOptions, 'total'>> & { total: number | undefined };
  private readonly startedAt: number;
  private lastDrawAt = -Infinity;
  private count = 0;
  private done = 0;
  private note = '';
  private finished = false;
  /** Whether the TTY line holds a drawn, unterminated progress line. */
  private lineOpen = false;

  constructor(options: ProgressOptions) {
    this.options = {
      sink: options.sink ?? process.stderr,
      now: options.now ?? (() => performance.now()),
      quiet: options.quiet ?? false,
      intervalMs: options.intervalMs ?? 200,
      logIntervalMs: options.logIntervalMs ?? 10_000,
      label: options.label,
      unit: options.unit,
      total: options.total,
    };
    this.startedAt = this.options.now();
  }

  /** Records progress: `count` of the unit so far, `done` of the ETA measure so far, and an optional note. */
  update(count: number, done: number = count, note = ''): void {
    this.count = count;
    this.done = done;
    this.note = note;
    const now = this.options.now();
    const interval = this.options.sink.isTTY ? this.options.intervalMs : this.options.logIntervalMs;
    if (now - this.lastDrawAt >= interval) {
      this.lastDrawAt = now;
      this.draw(now, false);
    }
  }

  /** Prints the final line: the only one that shows 100%. */
  finish(note = this.note): void {
    this.note = note;
    this.finished = true;
    this.draw(this.options.now(), true);
  }

  /**
   * Erases the progress line on a TTY so a message written next starts on a clean line; the next
   * {@link update} draws the line again below it.
   */
  clear(): void {
    if (!this.lineOpen) return;
    this.options.sink.write('\r\x1b[2K');
    this.lineOpen = false;
    this.lastDrawAt = -Infinity;
  }

  /** The line as it would be drawn now (exposed for tests). */
  render(now: number = this.options.now()): string {
    const { label, unit, total } = this.options;
    const seconds = Math.max((now - this.startedAt) / 1000, 1e-9);
    const rate = this.count / seconds;
    const parts = [`${label}: ${formatCount(this.count)} ${unit}`, `${formatCount(rate)} ${unit}/s`];
    if (total !== undefined && total > 0) {
      const fraction = Math.min(this.done / total, this.finished ? 1 : UNFINISHED_MAX_FRACTION);
      const width = 20;
      // Rounded down, so the bar is full only when the run is finished.
      const filled = Math.floor(fraction * width);
      parts.unshift(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1)}%`);
      const eta = fraction > 0 ? (seconds * (1 - fraction)) / fraction : Number.NaN;
      parts.push(`ETA ${formatDuration(eta)}`);
    }
    parts.push(`elapsed ${formatDuration(seconds)}`);
    if (this.note) parts.push(this.note);
    return parts.join(' | ');
  }

  private draw(now: number, final: boolean): void {
    if (this.options.quiet) return;
    const line = this.render(now);
    if (this.options.sink.isTTY) {
      this.options.sink.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
      this.lineOpen = !final;
    } else {
      this.options.sink.write(`${line}\n`);
    }
  }

}
