/**
 * The `--endpoint` flags that `embed` and `decontam` share, declared once so that their names, parsers
 * and help stay the same in both (what they mean: embed-endpoint.ts). Kept apart from embed-endpoint.ts,
 * which the commands import only when they run, so that building the commands loads nothing more.
 */
import type { Command } from 'commander';
import { parsePositive } from './parse.js';

/** What differs between the commands: the `--endpoint` help, and a prefix naming the detector (decontam: `embedding: `). */
export interface EndpointFlagsHelp {
  endpoint: string;
  prefix?: string;
}

/** Adds `--endpoint`, `--api-key`, `--concurrency` and `--endpoint-batch` to `command` (parsed into {@link EndpointFlags}). */
export function addEndpointFlags(command: Command, help: EndpointFlagsHelp): Command {
  const prefix = help.prefix ?? '';
  return command
    .option('--endpoint <urls>', help.endpoint)
    .option('--api-key <key>', 'key for --endpoint servers (default: OPENAI_API_KEY); never written to any file')
    .option('--concurrency <n>', `${prefix}requests in flight per endpoint (default: 4)`, parsePositive)
    .option('--endpoint-batch <n>', `${prefix}texts per request to start with; a 413 halves it for that server (default: 32)`, parsePositive);
}
