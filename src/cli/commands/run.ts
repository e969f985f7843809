/** `tidepool run PIPELINE.json` */
import { Command, Option } from 'commander';
import { STAGES } from '../../pipeline/stage-names.js';
import { parseList } from '../parse.js';
import { interruptSignal, printSummary, progressSink, say, type CommonFlags } from '../output.js';
import { executorFlagsOf, addExecutorFlags, type ExecutorCliFlags } from '../executor-flags.js';

interface RunFlags extends CommonFlags, ExecutorCliFlags {
  force?: string[];
  work?: string;
  wait?: boolean;
  job?: string;
  prepareNext?: string;
}

/** Builds the `run` command. */
export function runCommand(): Command {
  const command = new Command('run')
    .description('run the whole pipeline (sample/ingest -> embed -> select -> generate -> decontam -> export -> report) from one file; stages that are up to date are skipped, interrupted ones resume. With --executor slurm, each stage is submitted as a Slurm job array instead; relaunching the same command resumes')
    .argument('<pipeline>', 'pipeline file (.json, .yaml or .yml); see examples/demo.json')
    .option('--work <dir>', 'work folder (default: the pipeline file\'s "work")')
    .option('--force <stages>', `run these stages again even when up to date (comma-separated: ${STAGES.join(', ')})`, parseList);
  addExecutorFlags(command);
  return command
    .option('--wait', 'with a cluster executor: after submitting, follow the jobs until they end (exit 1 when a stage did not finish)')
    .addOption(new Option('--job <ref>', 'one cluster job of the pipeline (written by the executor: STAGE/whole, STAGE/finish/N, STAGE/shard/I/N)').hideHelp())
    .addOption(new Option('--prepare-next <ref>', 'ready the next sharded stage STAGE/N after this job (written by the executor)').hideHelp())
    .option('--json', 'print a JSON summary as the last stdout line')
    .option('-q, --quiet', 'no progress output')
    .action(async (file: string, flags: RunFlags) => {
      const { executePipeline } = await import('../run-pipeline.js');
      // A cluster job stops after its current batch on SIGUSR1 too (Slurm's warning before a time limit or preemption).
      const { signal, dispose } = interruptSignal(flags.job === undefined ? [] : ['SIGUSR1']);
      try {
        const summary = await executePipeline({
          file, work: flags.work, force: flags.force, progress: progressSink(flags), signal, wait: flags.wait,
          executor: executorFlagsOf(flags),
          ...(flags.job === undefined ? {} : { job: { job: flags.job, prepareNext: flags.prepareNext } }),
          log: (line) => {
            say(flags, line);
          },
        });
        if (summary.executor === 'job') {
          printSummary(flags, summary, `job ${summary.job.stage} ${summary.job.role}: ${summary.job.status}`);
        } else if ('launch' in summary) {
          const submitted = summary.launch.stages.map((stage) => `  ${stage.stage.padEnd(9)} ${stage.shards > 1 ? `${stage.tasks?.length ?? 0} of ${stage.shards} shards` : 'one job'}: ${[stage.shardJob, stage.finishJob, stage.wholeJob].filter((id) => id !== undefined).join(', ')}`).join('\n');
          const tail = summary.status === undefined ? `\nfollow it with: tidepool status ${file}${flags.work === undefined ? '' : ` --work ${flags.work}`}` : `\nevery stage finished (${summary.seconds.toFixed(1)}s)`;
          printSummary(flags, summary, `${summary.launch.stages.length === 0 ? 'nothing to submit: every stage is up to date' : `submitted to ${summary.launch.launcher} (logs in ${summary.launch.logDir}):\n${submitted}`}${summary.launch.stages.length === 0 ? '' : tail}`);
        } else {
          const table = summary.stages.map((stage) => `  ${stage.stage.padEnd(9)} ${stage.status.padEnd(8)} ${stage.seconds.toFixed(1)}s  ${stage.dir}`).join('\n');
          printSummary(flags, summary, `pipeline done in ${summary.seconds.toFixed(1)}s (work folder ${summary.work}):\n${table}${summary.report === null ? '' : `\nreport: ${summary.report}`}`);
        }
      } finally {
        dispose();
      }
    });
}

