/** `tidepool run PIPELINE.json` */
import { Command } from 'commander';
import { STAGES } from '../../pipeline/stage-names.js';
import { parseList } from '../parse.js';
import { interruptSignal, printSummary, progressSink, say, type CommonFlags } from '../output.js';

interface RunFlags extends CommonFlags {
  force?: string[];
  work?: string;
}

/** Builds the `run` command. */
export function runCommand(): Command {
  return new Command('run')
    .description('run the whole pipeline (sample/ingest -> embed -> select -> generate -> decontam -> export -> report) from one file; stages that are up to date are skipped, interrupted ones resume')
    .argument('<pipeline>', 'pipeline file (.json, .yaml or .yml); see examples/demo.json')
    .option('--work <dir>', 'work folder (default: the pipeline file\'s "work")')
    .option('--force <stages>', `run these stages again even when up to date (comma-separated: ${STAGES.join(', ')})`, parseList)
    .option('--json', 'print a JSON summary as the last stdout line')
    .option('-q, --quiet', 'no progress output')
    .action(async (file: string, flags: RunFlags) => {
      const { runPipeline } = await import('../run-pipeline.js');
      const { signal, dispose } = interruptSignal();
      try {
        const summary = await runPipeline({
          file, work: flags.work, force: flags.force, progress: progressSink(flags), signal,
          log: (line) => {
            say(flags, line);
          },
        });
        const table = summary.stages.map((stage) => `  ${stage.stage.padEnd(9)} ${stage.status.padEnd(8)} ${stage.seconds.toFixed(1)}s  ${stage.dir}`).join('\n');
        printSummary(flags, summary, `pipeline done in ${summary.seconds.toFixed(1)}s (work folder ${summary.work}):\n${table}${summary.report === null ? '' : `\nreport: ${summary.report}`}`);
      } finally {
        dispose();
      }
    });
}
