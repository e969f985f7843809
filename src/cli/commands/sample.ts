/** `tidepool sample --rows N --out FILE` */
import { Command, Option } from 'commander';
import { parseCount, parseList, parseRate } from '../parse.js';
import { printSummary, type CommonFlags } from '../output.js';

interface SampleFlags extends CommonFlags {
  rows: number;
  out: string;
  seed: number;
  naming: 'original' | 'hf';
  duplicateRate?: number;
  nearDuplicateRate?: number;
  badLineRate?: number;
  languages?: string[];
  gzipLevel?: number;
}

/** Builds the `sample` command. */
export function sampleCommand(): Command {
  return new Command('sample')
    .description('write deterministic CodeSearchNet-like pairs (.jsonl, or .jsonl.gz when FILE ends in .gz) for demos, tests and benchmarks')
    .requiredOption('-n, --rows <n>', 'number of lines to write', parseCount)
    .requiredOption('-o, --out <file>', 'output file (.jsonl or .jsonl.gz)')
    .option('--seed <n>', 'random seed', parseCount, 1)
    .addOption(new Option('--naming <naming>', 'field names: CodeSearchNet original or Hugging Face').choices(['original', 'hf']).default('original'))
    .option('--duplicate-rate <r>', 'fraction of exact duplicates (default: 0.03)', parseRate)
    .option('--near-duplicate-rate <r>', 'fraction of whitespace-only variants of earlier code (default: 0.02)', parseRate)
    .option('--bad-line-rate <r>', 'fraction of deliberately bad lines (default: 0)', parseRate)
    .option('--languages <list>', 'languages to generate, comma-separated (default: the CodeSearchNet six)', parseList)
    .addOption(new Option('--gzip-level <n>', 'gzip level for .gz output (default: 6)').argParser(parseCount))
    .option('--json', 'print a JSON summary as the last stdout line')
    .option('-q, --quiet', 'no progress output')
    .action(async (flags: SampleFlags) => {
      const { runSample } = await import('../../devkit/sample/run.js');
      const summary = await runSample({
        rows: flags.rows,
        out: flags.out,
        seed: flags.seed,
        naming: flags.naming,
        ...(flags.duplicateRate === undefined ? {} : { duplicateRate: flags.duplicateRate }),
        ...(flags.nearDuplicateRate === undefined ? {} : { nearDuplicateRate: flags.nearDuplicateRate }),
        ...(flags.badLineRate === undefined ? {} : { badLineRate: flags.badLineRate }),
        ...(flags.languages === undefined ? {} : { languages: flags.languages }),
        ...(flags.gzipLevel === undefined ? {} : { gzipLevel: flags.gzipLevel }),
      });
      printSummary(flags, summary, `wrote ${summary.rows} lines (${(summary.bytes / 1e6).toFixed(1)} MB) to ${summary.out} in ${summary.seconds.toFixed(1)}s`);
    });
}
