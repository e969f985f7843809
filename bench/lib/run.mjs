// Runs a command and measures its wall time and peak RSS (GNU time), one at a time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const GNU_TIME = '/usr/bin/time';

/** Fails early with the fix when GNU time is missing. */
export function requireGnuTime() {
  if (!existsSync(GNU_TIME)) {
    throw new Error(`${GNU_TIME} not found: install it with \`apt-get install -y time\` (it measures peak memory)`);
  }
}

/**
 * @param {string} command
 * @param {string[]} args
 * @returns {{seconds: number, peakRssMiB: number, cpuSeconds: number, stdout: string, stderr: string}} (cpuSeconds: user + system)
 */
export function measure(command, args, options = {}) {
  const result = spawnSync(GNU_TIME, ['-f', '__TIME__ %e %M %U %S', command, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  const match = /__TIME__ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(result.stderr);
  if (result.status !== 0 || !match) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr.slice(-2000)}`);
  }
  return { seconds: Number(match[1]), peakRssMiB: Math.round(Number(match[2]) / 1024), cpuSeconds: Number(match[3]) + Number(match[4]), stdout: result.stdout, stderr: result.stderr };
}

/**
 * How to run the tidepool CLI at `path`: a .js entry point (bin/tidepool.js) with this Node, the
 * command (bin/tidepool) as it is.
 * @returns {{command: string, args: string[]}}
 */
export function cliCommand(path) {
  return path.endsWith('.js') ? { command: process.execPath, args: [path] } : { command: path, args: [] };
}

/** The last stdout line as JSON. */
export function lastJson(stdout) {
  return JSON.parse(stdout.trimEnd().split('\n').at(-1));
}
