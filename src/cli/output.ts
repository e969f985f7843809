/** How commands talk to the terminal: progress and messages on stderr, one JSON summary line on stdout. */
import type { ProgressSink } from '../util/progress.js';

/** Common flags every command takes. */
export interface CommonFlags {
  json?: boolean;
  quiet?: boolean;
}

/** Where progress goes for these flags (undefined: silent). */
export function progressSink(flags: CommonFlags): ProgressSink | undefined {
  if (flags.quiet) return undefined;
  return { write: (text) => process.stderr.write(text), isTTY: process.stderr.isTTY };
}

/** Prints a human line on stderr unless quiet. */
export function say(flags: CommonFlags, text: string): void {
  if (!flags.quiet) process.stderr.write(`${text}\n`);
}

/** Prints the command's summary: as the last stdout line in `--json` mode, as text otherwise. */
export function printSummary(flags: CommonFlags, summary: object, human: string): void {
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${human}\n`);
}

/**
 * An AbortSignal that fires on the first Ctrl-C (SIGINT) or SIGTERM so the command can stop cleanly;
 * a second Ctrl-C exits at once. Call the returned `dispose` when the command ends.
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // Quit now by dying of the signal itself (shells report 130). process.exit() would first tear
      // down the worker threads, and one inside onnxruntime then aborts the process (exit 134).
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.kill(process.pid, name);
      return;
    }
    process.stderr.write(`\ntidepool: ${name} received, stopping after the current batch (press Ctrl-C again to quit now)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
