/** The Hub settings from this process's environment (HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE). */
import { homedir } from 'node:os';
import { hubSettingsFromEnv, type HubSettings } from '../embedders/hub/settings.js';

/** Reads the HF_* variables as huggingface_hub does; `offline` is the `--offline` flag. */
export function hubSettings(env: NodeJS.ProcessEnv = process.env, offline = false): HubSettings {
  return hubSettingsFromEnv(env, homedir(), offline);
}
