/** Host processes, as the sandbox tests look for what a program may have left behind. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Host processes whose command line contains `marker` (pgrep -f), after giving a dying tree up to 2 s. */
export async function processesWith(marker: string): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    const found = await processesOnce(marker);
    if (found.length === 0 || attempt >= 20) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Host processes whose command line contains `marker`, now. */
export async function processesOnce(marker: string): Promise<string[]> {
  try {
    const { stdout } = await execFileAsync('pgrep', ['-af', marker]);
    return stdout.split('\n').filter((line) => line.trim() !== '');
  } catch (error) {
    if ((error as { code?: number }).code !== 1) throw error;
    return [];
  }
}
