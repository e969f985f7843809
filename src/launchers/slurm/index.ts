/** The Slurm launcher: sbatch job arrays with afterok dependencies, squeue, scancel. */
export { SlurmLauncher, type SlurmLauncherOptions } from './slurm-launcher.js';
export { batchScript, compressRanges, logPattern, shellQuote } from './script.js';
export { SQUEUE_FORMAT, parseSqueue } from './squeue.js';
