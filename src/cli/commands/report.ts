/** `tidepool report --out report.html [--work DIR] [--png DIR]` */
import { Command } from 'commander';
import { DEFAULT_EVIDENCE, DEFAULT_SAMPLE } from '../../report/options.js';
import { parseCount, parsePositive } from '../parse.js';
import { printSummary, say, type CommonFlags } from '../output.js';

interface ReportFlags extends CommonFlags {
  out: string;
  work?: string;
  ingest?: string;
  embed?: string;
  select?: string;
  generate?: string;
  decontam?: string;
  seed?: number;
  sample?: number;
  evidence?: number;
  png?: string;
  chromium?: string;
}

/** Builds the `report` command. */
export function reportCommand(): Command {
  return new Command('report')
    .description('write one self-contained HTML report with figures of every stage output found (coverage, map, languages, funnel, decontamination), optionally as PNGs')
    .requiredOption('-o, --out <file>', 'the HTML file to write')
    .option('-w, --work <dir>', 'a folder holding the stage folders ingest/, embed/, select/, generate/, decontam/')
    .option('--ingest <dir>', 'output folder of `tidepool ingest` (default: WORK/ingest)')
    .option('--embed <path>', 'output folder of `tidepool embed`, or an embeddings .arrow/.npy file (default: WORK/embed)')
    .option('--select <dir>', 'output folder of `tidepool select` (default: WORK/select)')
    .option('--generate <dir>', 'output folder of `tidepool generate` (default: WORK/generate)')
    .option('--decontam <dir>', 'output folder of `tidepool decontam` (default: WORK/decontam)')
    .option('--seed <n>', 'seed of the samples and random subsets (default: 0)', parseCount)
    .option('--sample <n>', `rows sampled from the embeddings for the map and the random baseline (default: ${DEFAULT_SAMPLE})`, parsePositive)
    .option('--evidence <n>', `removed records shown with their evidence: benchmark problem, detector, score and the matching parts side by side (the first ones of removed.jsonl; 0: none; default: ${DEFAULT_EVIDENCE})`, parseCount)
    .option('--png <dir>', 'also write each figure as DIR/fig-<id>.png (needs Chromium)')
    .option('--chromium <path>', 'Chromium or Chrome executable for --png (default: $TIDEPOOL_CHROMIUM, /usr/bin/chromium, or chromium, chromium-browser, google-chrome on the PATH)')
    .option('--json', 'print a JSON summary as the last stdout line')
    .option('-q, --quiet', 'no progress output')
    .action(async (flags: ReportFlags) => {
      const { runReport } = await import('../../report/run.js');
      const summary = await runReport({
        out: flags.out, work: flags.work, ingest: flags.ingest, embed: flags.embed, select: flags.select, generate: flags.generate, decontam: flags.decontam,
        seed: flags.seed, sample: flags.sample, evidence: flags.evidence, png: flags.png,
        chromium: flags.chromium ?? (flags.png === undefined ? undefined : process.env.TIDEPOOL_CHROMIUM), searchPath: process.env.PATH ?? '',
        log: (line) => {
          say(flags, line);
        },
      });
      const pngs = summary.png === null ? '' : `, ${summary.png.length} PNGs in ${flags.png ?? ''}`;
      printSummary(flags, summary, `report: ${summary.drawn.length} of ${summary.drawn.length + summary.skipped.length} figures drawn in ${summary.seconds.toFixed(1)}s -> ${summary.out} (${(summary.bytes / 1024).toFixed(0)} KiB${pngs})`);
    });
}
