/** Select options: user-facing `SelectOptions` -> validated `ResolvedSelectOptions`. */
import { KINDS, option, type OptionTable } from '../util/options.js';

/** Every option of `tidepool select` (the command's camelCase names), checked by the resolver and by `tidepool run`. */
export const SELECT_OPTIONS: OptionTable = {
  k: option(KINDS.positive, '--k', true),
  first: option(KINDS.count, '--first'),
  seed: option(KINDS.count, '--seed'),
  alreadySelected: option(KINDS.path, '--already-selected'),
  precision: option(KINDS.precision, '--precision'),
  threads: option(KINDS.positive, '--threads'),
  backend: option({ type: 'choice', values: ['cpu', 'webgpu'] }, '--backend'),
  poolSize: option(KINDS.positive, '--pool-size'),
  checkpointSeconds: option(KINDS.count, '--checkpoint-seconds'),
  baseline: option(KINDS.boolean, '--no-baseline'),
};
