/** `tidepool export --input DIR --format alpaca|sharegpt|messages|parquet --out PATH` */
import { Command, Option } from 'commander';
import { parsePositive } from '../parse.js';
import { interruptSignal, printSummary, progressSink, say, type CommonFlags } from '../output.js';

interface ExportFlags extends CommonFlags {
  input: string;
  format: string;
  out: string;
  withMetadata?: boolean;
  system?: string;
  /** A path, `false` with --no-card, undefined for the default. */
  card?: string | false;
  rowGroupRows?: number;
  force?: boolean;
}

/** Builds the `export` command. */
export function exportCommand(): Command {
  return new Command('export')
    .description('write the instruction records of a generate (instructions.jsonl) or decontam (kept.jsonl) folder as Alpaca, ShareGPT, OpenAI messages or Parquet, with a Hugging Face dataset card (<out>.card.md) beside it')
    .requiredOption('-i, --input <path>', 'output folder of `tidepool generate` or `tidepool decontam` (kept.jsonl is preferred over instructions.jsonl), or a .jsonl file')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['alpaca', 'sharegpt', 'messages', 'parquet']).makeOptionMandatory())
    .requiredOption('-o, --out <path>', 'file to write: .json (one JSON array) or .jsonl for alpaca/sharegpt, .jsonl for messages, .parquet for parquet; bad input lines go to <out>.rejects.jsonl')
    .option('--with-metadata', 'alpaca, sharegpt: add task and language (and for alpaca id) to every item')
    .option('--system <text>', 'messages: a system message put before every conversation')
    .option('--card <path>', 'where the dataset card goes (default: <out>.card.md; copy it to README.md for the Hugging Face Hub)')
    .option('--no-card', 'write no dataset card')
    .option('--force', 'replace an existing --out, card or <out>.rejects.jsonl that tidepool did not write (files an earlier export wrote, listed in <out>.tidepool.json, are replaced without it)')
    .option('--row-group-rows <n>', 'parquet: rows per row group (memory holds one; default: 10000)', parsePositive)
    .option('--json', 'print a JSON summary as the last stdout line')
    .option('-q, --quiet', 'no progress output')
    .action(async (flags: ExportFlags) => {
      const { runExport } = await import('../../export/run.js');
      const { signal, dispose } = interruptSignal();
      try {
        const summary = await runExport({
          input: flags.input, format: flags.format, out: flags.out, withMetadata: flags.withMetadata, system: flags.system,
          card: flags.card, force: flags.force, rowGroupRows: flags.rowGroupRows, progress: progressSink(flags), signal, log: (line) => {
            say(flags, line);
          },
        });
        const rejected = summary.rejected === 0 ? '' : `, ${summary.rejected} rejected (see ${summary.rejects ?? ''})`;
        const card = summary.card === null ? '' : `; card ${summary.card}`;
        printSummary(flags, summary, `exported ${summary.records} records as ${summary.format}${rejected} -> ${summary.out}${card}`);
      } finally {
        dispose();
      }
    });
}
