// Describes the machine a benchmark ran on, for bench/results/*.json.
import { readFileSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';

/** @returns {{cpu: string, cores: number, memoryGiB: number, os: string, node: string}} */
export function describeMachine() {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:\s*(.*)$/m)?.[1] ?? '';
    if (flags.includes('avx512f')) cpu += ' (avx512)';
    else if (flags.includes('avx2')) cpu += ' (avx2)';
  } catch {
    // not Linux: keep the model name alone
  }
  return { cpu, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), os: `${platform()} ${release()}`, node: process.version };
}
