/** `tidepool doctor`: what GPU support this machine has, and what to install. Always exits 0: it is a report. */
import { Command } from 'commander';
import type { CommonFlags } from '../output.js';

/** Builds the `doctor` command. */
export function doctorCommand(): Command {
  return new Command('doctor')
    .description('report WebGPU adapters, the Vulkan loader and drivers, and onnxruntime-node\'s execution providers and the Hugging Face cache\'s models, with what to install when something is missing')
    .option('--json', 'print the report as JSON (the last stdout line)')
    .action(async (flags: CommonFlags) => {
      const { gatherDoctorFacts, buildDoctorReport, formatDoctorReport } = await import('../../doctor/index.js');
      const { hubSettings } = await import('../hub-settings.js');
      const report = buildDoctorReport(await gatherDoctorFacts({ env: process.env, hub: hubSettings(process.env) }));
      process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : formatDoctorReport(report));
    });
}
