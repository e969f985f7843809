/**
 * The `tidepool` command line. Heavy modules load inside each command's action, so `--help` is instant.
 * Exit status: 0 ok, 1 user error (clear message), 2 internal bug, 130 interrupted.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_INTERNAL_ERROR, EXIT_USER_ERROR, TidepoolError, isNoSpaceError, writeFailure } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { decontamCommand } from './commands/decontam.js';
import { doctorCommand } from './commands/doctor.js';
import { embedCommand } from './commands/embed.js';
import { exportCommand } from './commands/export.js';
import { generateCommand } from './commands/generate.js';
import { ingestCommand } from './commands/ingest.js';
import { reportCommand } from './commands/report.js';
import { quantizeCommand } from './commands/quantize.js';
import { runCommand } from './commands/run.js';
import { statusCommand } from './commands/status.js';
import { llmSimCommand } from './commands/llm-sim.js';
import { stderrLines } from './output.js';
import { sampleCommand } from './commands/sample.js';
import { selectCommand } from './commands/select.js';

/** Builds the program (exposed for tests). */
export function buildProgram(): Command {
  const program = new Command('tidepool')
    .description('tidepool: build instruction-tuning data for code LLMs (ingest -> embed -> select -> generate -> decontam -> export, report, run)')
    .version(TOOL_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of [ingestCommand(), embedCommand(), selectCommand(), generateCommand(), decontamCommand(), exportCommand(), reportCommand(), quantizeCommand(), sampleCommand(), runCommand(), statusCommand(), doctorCommand(), llmSimCommand()]) {
    program.addCommand(command.exitOverride().showHelpAfterError('(run with --help for usage)'));
  }
  return program;
}

/** Where an in-process run's messages go (tests); the process's stderr by default. */
export interface MainOutput {
  /** Every stderr text: tidepool's messages and progress, and commander's usage errors. */
  stderr(text: string): void;
}

/**
 * Runs the CLI and returns the exit status.
 * @param output where stderr goes, for a caller that runs the CLI in its own process. @default process.stderr
 */
export async function main(argv: readonly string[], output?: MainOutput): Promise<number> {
  const program = buildProgram();
  if (output === undefined) return run(program, argv);
  // commander's own messages (a bad flag value, a missing option) go through each command's output settings.
  for (const command of [program, ...program.commands]) command.configureOutput({ writeErr: (text) => {
    output.stderr(text);
  } });
  const restore = stderrLines.redirect((text) => {
    output.stderr(text);
  });
  try {
    return await run(program, argv);
  } finally {
    restore();
  }
}

async function run(program: Command, argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (thrown) {
    // A full disk (or quota, or read-only file system) that no stage wrapped is still the user's to fix.
    const error = !(thrown instanceof TidepoolError) && isNoSpaceError(thrown) ? writeFailure(thrown, (thrown as NodeJS.ErrnoException).path ?? 'a file') : thrown;
    if (error instanceof CommanderError) {
      // Help and version end in exitOverride too; commander already printed its message.
      return error.exitCode === 0 ? 0 : EXIT_USER_ERROR;
    }
    if (error instanceof TidepoolError && error.code !== 'E_INTERNAL') {
      stderrLines.writeLines(`tidepool: error [${error.code}]: ${error.message}`);
      return error.exitCode;
    }
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    stderrLines.writeLines(`tidepool: internal error (this is a bug in tidepool, please report it with the command you ran):\n${stack}`);
    return EXIT_INTERNAL_ERROR;
  }
}
