/**
 * Where the Hugging Face cache is and how the Hub is reached, computed the way Python's
 * `huggingface_hub` computes it, so both tools share one cache. Pure: the CLI passes the environment in.
 */
import { join } from 'node:path';

/** How tidepool reaches the Hub and its cache. */
export interface HubSettings {
  /** The hub cache folder (holds `models--org--name`). */
  cacheDir: string;
  /** Base URL of the Hub. @default https://huggingface.co */
  endpoint: string;
  /** Bearer token for gated or private repos; never written to a file. */
  token: string | undefined;
  /** Never touch the network: use only what the cache holds. @default false */
  offline: boolean;
}

/** The public Hub, as huggingface_hub's default `HF_ENDPOINT`. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** huggingface_hub's truthy spellings for boolean variables. */
const TRUE_VALUES = new Set(['1', 'on', 'yes', 'true']);

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * The settings huggingface_hub would use: `HF_HUB_CACHE`, else `HF_HOME/hub`, else
 * `XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`; `HF_ENDPOINT`, `HF_TOKEN`,
 * `HF_HUB_OFFLINE`. `offline` (the `--offline` flag) wins over the environment.
 */
export function hubSettingsFromEnv(env: Readonly<Record<string, string | undefined>>, homeDir: string, offline = false): HubSettings {
  const hfHome = nonEmpty(env.HF_HOME) ?? join(nonEmpty(env.XDG_CACHE_HOME) ?? join(homeDir, '.cache'), 'huggingface');
  const cacheDir = nonEmpty(env.HF_HUB_CACHE) ?? join(hfHome, 'hub');
  const endpoint = (nonEmpty(env.HF_ENDPOINT) ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  const envOffline = TRUE_VALUES.has((env.HF_HUB_OFFLINE ?? '').trim().toLowerCase());
  return { cacheDir, endpoint, token: nonEmpty(env.HF_TOKEN), offline: offline || envOffline };
}
