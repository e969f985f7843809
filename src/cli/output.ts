/** How commands talk to the terminal: progress and messages on stderr, one JSON summary line on stdout. */
import type { ProgressSink } from '../util/progress.js';

/** Common flags every command takes. */
export interface CommonFlags {
  json?: boolean;
  quiet?: boolean;
}

/**
 * stderr as the CLI writes it. It remembers whether the last thing written left a line unfinished (a
 * progress bar redrawn in place on a TTY ends without a newline), so that a message printed next can
 * start on a line of its own without every message carrying a blank line before it.
 */
export class StderrLines {
  private open = false;

  constructor(private sink: (text: string) => void) {}

  /**
   * Sends what follows to `sink` instead (tests run the CLI in this process and read what it said);
   * the returned function puts the previous sink back.
   */
  redirect(sink: (text: string) => void): () => void {
    const previous = this.sink;
    this.sink = sink;
    this.open = false;
    return () => {
      this.sink = previous;
      this.open = false;
    };
  }

  /** Writes `text` as is. */
  write(text: string): void {
    if (text === '') return;
    this.sink(text);
    this.open = !text.endsWith('\n');
  }

  /** Writes `text` as whole lines: first ends an unfinished line, then adds the final newline if missing. */
  writeLines(text: string): void {
    this.write(`${this.open ? '\n' : ''}${text}${text.endsWith('\n') ? '' : '\n'}`);
  }
}

/** The process's stderr: every CLI message and progress line goes through it. */
export const stderrLines = new StderrLines((text) => {
  process.stderr.write(text);
});

/** Where progress goes for these flags (undefined: silent). */
export function progressSink(flags: CommonFlags): ProgressSink | undefined {
  if (flags.quiet) return undefined;
  return {
    write: (text) => {
      stderrLines.write(text);
    },
    isTTY: process.stderr.isTTY,
  };
}

/** Prints a human line on stderr unless quiet. */
export function say(flags: CommonFlags, text: string): void {
  if (!flags.quiet) stderrLines.writeLines(text);
}

/** Prints the command's summary: as the last stdout line in `--json` mode, as text otherwise. */
export function printSummary(flags: CommonFlags, summary: object, human: string): void {
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${human}\n`);
}

/**
 * An AbortSignal that fires on the first Ctrl-C (SIGINT) or SIGTERM (and any of `extra`, e.g. SIGUSR1,
 * which Slurm sends a job before its time limit or a preemption) so the command can stop cleanly after
 * its current batch; a second one exits at once. Call the returned `dispose` when the command ends.
 */
export function interruptSignal(extra: readonly NodeJS.Signals[] = []): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const names: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', ...extra];
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // Quit now by dying of the signal itself (shells report 130). process.exit() would first tear
      // down the worker threads, and one inside onnxruntime then aborts the process (exit 134).
      for (const signal of names) process.off(signal, onSignal);
      process.kill(process.pid, name === 'SIGUSR1' ? 'SIGTERM' : name);
      return;
    }
    stderrLines.writeLines(`tidepool: ${name} received, stopping after the current batch (press Ctrl-C again to quit now)`);
    controller.abort();
  };
  for (const signal of names) process.on(signal, onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const signal of names) process.off(signal, onSignal);
    },
  };
}
