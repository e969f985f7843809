/** `tidepool status PIPELINE.json` */
import { Command } from 'commander';
import { printSummary, type CommonFlags } from '../output.js';

interface StatusFlags extends CommonFlags {
  work?: string;
  executor?: string;
}

/** Builds the `status` command. */
export function statusCommand(): Command {
  return new Command('status')
    .description('where the last cluster launch of a pipeline stands: per stage, shards done/running/pending, and each failed task with its error and log file (from the work folder\'s markers and the scheduler\'s queue)')
    .argument('<pipeline>', 'pipeline file (.json, .yaml or .yml)')
    .option('--work <dir>', 'work folder (default: the pipeline file\'s "work")')
    .option('--executor <name>', 'the cluster executor (default: the one that launched the work folder)')
    .option('--json', 'print a JSON summary as the last stdout line')
    .option('-q, --quiet', 'no progress output')
    .action(async (file: string, flags: StatusFlags) => {
      const { pipelineStatus } = await import('../run-pipeline.js');
      const { formatStatus } = await import('../../pipeline/cluster/status.js');
      const status = await pipelineStatus({ file, work: flags.work, executor: { executor: flags.executor } });
      printSummary(flags, status, formatStatus(status));
    });
}
