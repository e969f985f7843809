/**
 * The real Slurm cluster the Slurm tests run on (.ci/slurm-up.sh: single node, slurm-wlm 22.05 + munge).
 * Call {@link ensureSlurmCluster} in a `beforeAll`: when the cluster does not answer and this machine can
 * bring it up (Slurm installed, running as root), it runs .ci/slurm-up.sh once; otherwise it throws with
 * how to bring it up. The Slurm tests fail, never skip, without a cluster (as the WebGPU tests do without
 * an adapter): a test that skips in CI proves nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SLURM_UP = resolve(dirname(fileURLToPath(import.meta.url)), '../../.ci/slurm-up.sh');

let ready = false;

/** The node states sinfo prints, or undefined when the controller does not answer. */
function nodeStates(): string | undefined {
  try {
    return execFileSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
  } catch {
    return undefined;
  }
}

/** Returns once sinfo shows a node that can take work; brings the cluster up when it can, else throws how to. */
export function ensureSlurmCluster(): void {
  if (ready) return;
  const states = nodeStates();
  if (states === undefined || !/^(idle|mixed|allocated|completing)/m.test(states)) bringUp(states);
  ready = true;
}

/** Runs .ci/slurm-up.sh when this machine can (Slurm installed, root); otherwise throws how to. */
function bringUp(states: string | undefined): void {
  const installed = existsSync('/usr/sbin/slurmctld') && existsSync('/usr/bin/sbatch');
  const root = process.getuid?.() === 0;
  if (!installed || !root) {
    throw new Error(
      `The Slurm tests need the single-node cluster of .ci/slurm-up.sh, and sinfo says ${states === undefined ? 'no controller answers' : JSON.stringify(states.trim())}. ` +
        `Run \`sudo .ci/slurm-up.sh\` (installs slurm-wlm and munge when missing, writes /etc/slurm/slurm.conf, starts munged, slurmctld and slurmd), then rerun the tests.` +
        (installed ? '' : ' Slurm is not installed here.') +
        (root ? '' : ' These tests are not running as root, so they cannot start it themselves.'),
    );
  }
  try {
    execFileSync('bash', [SLURM_UP], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`.ci/slurm-up.sh could not bring the Slurm cluster up:\n${stdout}${stderr}`, { cause: error });
  }
}
