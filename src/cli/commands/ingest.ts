/** `tidepool ingest INPUT... --out DIR` */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { parseCount, parseList, parsePositive } from '../parse.js';
import type { IngestRun } from '../../ingest/run.js';
import type { IngestShardSummary } from '../../ingest/sharded.js';
import { interruptSignal, printSummary, progressSink, say, type CommonFlags } from '../output.js';

interface IngestFlags extends CommonFlags {
  out: string;
  languages?: string[];
  minCodeLines?: number;
  maxCodeLines?: number;
  minCodeChars?: number;
  maxCodeChars?: number;
  minDocstringWords?: number;
  maxLineBytes?: number;
  dedup: boolean;
  threads?: number;
  shard?: string;
  merge?: boolean;
}

/** Builds the `ingest` command. */
export function ingestCommand(): Command {
  return new Command('ingest')
    .description('read (docstring, code) pairs from .jsonl, .jsonl.gz, .parquet or .arrow files/folders into DIR/pairs.arrow')
    .argument('<inputs...>', 'input files or folders (folders are searched recursively)')
    .requiredOption('-o, --out <dir>', 'output folder for pairs.arrow, rejects.jsonl and manifest.json')
    .option('--languages <list>', 'keep only these languages, comma-separated (e.g. python,java)', parseList)
    .option('--min-code-lines <n>', 'drop code with fewer lines (default: 1)', parseCount)
    .option('--max-code-lines <n>', 'drop code with more lines (default: no limit)', parsePositive)
    .option('--min-code-chars <n>', 'drop code with fewer characters (default: 1)', parseCount)
    .option('--max-code-chars <n>', 'drop code with more characters (default: no limit)', parsePositive)
    .option('--min-docstring-words <n>', 'drop pairs whose docstring has fewer words (default: 0)', parseCount)
    .option('--no-dedup', 'keep exact duplicates (default: drop later copies of whitespace-normalised code)')
    .addOption(new Option('--max-line-bytes <n>', 'reject input lines longer than this (default: 16 MiB)').argParser(parsePositive))
    .option('--threads <n>', 'worker threads parsing jsonl; 0 = main thread only (default: cores, at most 4)', parseCount)
    .option('--shard <I/N>', 'parse and filter only shard I of N (0-based) of the input files into the shared --out, then write its completion marker; the last shard to finish merges (see README "Sharded runs")')
    .option('--merge', 'only merge the finished shards of --out into pairs.arrow (same inputs and flags as the shards)')
    .option('--json', 'print a JSON summary as the last stdout line')
    .option('-q, --quiet', 'no progress output')
    .action(async (inputs: string[], flags: IngestFlags) => {
      const { runIngest, REJECTS_FILE } = await import('../../ingest/run.js');
      const { resolveIngestSharding } = await import('../../ingest/options.js');
      const { PAIRS_FILE } = await import('../../store/pairs.js');
      const sharding = resolveIngestSharding(flags.shard, flags.merge);
      const { signal, dispose } = interruptSignal();
      try {
        const run: IngestRun = {
          inputs,
          out: flags.out,
          options: {
            languages: flags.languages,
            minCodeLines: flags.minCodeLines,
            maxCodeLines: flags.maxCodeLines,
            minCodeChars: flags.minCodeChars,
            maxCodeChars: flags.maxCodeChars,
            minDocstringWords: flags.minDocstringWords,
            maxLineBytes: flags.maxLineBytes,
            dedup: flags.dedup,
          },
          threads: flags.threads,
          progress: progressSink(flags),
          // An input file left out is data lost: said even with --quiet (which silences progress only).
          warn: (message) => process.stderr.write(`${message}\n`),
          signal,
        };
        if (sharding.shard !== undefined || sharding.merge) {
          const { runIngestSharded } = await import('../../ingest/sharded.js');
          printShardSummary(flags, await runIngestSharded(run, sharding.shard));
          return;
        }
        const summary = await runIngest(run);
        const { out, ...counts } = summary;
        // join() also keeps `--out work/` from printing `work//rejects.jsonl`.
        const rejectsFile = join(out, REJECTS_FILE);
        if (summary.rejected > 0) say(flags, `${summary.rejected} bad records written to ${rejectsFile} (by reason: ${JSON.stringify(summary.rejectedByReason)})`);
        const files = summary.rejectedFiles === 1 ? '1 input file' : `${summary.rejectedFiles} input files`;
        const rejectedFiles = summary.rejectedFiles > 0 ? `; ${files} rejected (reasons in ${rejectsFile})` : '';
        printSummary(flags, counts,
          `ingested ${summary.read} records -> ${summary.kept} kept, ${summary.duplicates} duplicates, ${summary.filtered} filtered, ${summary.rejected} rejected${rejectedFiles} in ${summary.seconds.toFixed(1)}s -> ${join(out, PAIRS_FILE)}`);
      } finally {
        dispose();
      }
    });
}

/** What a shard or a merge did, in a line (and the `--json` summary). */
function printShardSummary(flags: IngestFlags, summary: IngestShardSummary): void {
  const { out, ...fields } = summary;
  const lines: string[] = [];
  if (summary.shard !== undefined) {
    const files = summary.files === undefined ? '' : summary.files.start === summary.files.end ? ' (no input files)' : ` (input files ${summary.files.start}..${summary.files.end - 1})`;
    lines.push(summary.alreadyDone === true ? `shard ${summary.shard}${files} had already finished: nothing to do` : `shard ${summary.shard}${files}: parsed ${summary.read ?? 0} records -> ${summary.candidates ?? 0} candidate rows in ${summary.seconds.toFixed(1)}s`);
  }
  if (summary.merged) {
    const merge = summary.merge;
    lines.push(merge === undefined ? `${out} was already merged: nothing to do` : `merged every shard: ${merge.read} records -> ${merge.kept} kept, ${merge.duplicates} duplicates, ${merge.filtered} filtered, ${merge.rejected} rejected -> ${join(out, 'pairs.arrow')}`);
  } else if (summary.missingShards !== undefined && summary.missingShards.length > 0) {
    lines.push(`waiting for shard${summary.missingShards.length === 1 ? '' : 's'} ${summary.missingShards.join(', ')}; the last to finish merges (or run --merge)`);
  } else {
    lines.push('every shard has finished; another process is merging');
  }
  printSummary(flags, fields, lines.join('\n'));
}
