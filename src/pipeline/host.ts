/**
 * What `tidepool run` gets from the layer that starts it (the CLI), injected so that `src/pipeline/`
 * imports only the stages: the development kit (the demo's sample data and scripted LLM, which are
 * not part of the product) and what the environment says (read in `cli/`, never here).
 */
import type { HubSettings } from '../embedders/hub/settings.js';

/** A running scripted stand-in for an LLM. */
export interface ScriptedLlm {
  /** Its OpenAI-compatible base URL, e.g. `http://127.0.0.1:PORT/v1`. */
  baseURL: string;
  /** Stops it. */
  close(): Promise<void>;
}

/** The development kit: what a pipeline with a `sample` stage or `generate.llm: "scripted"` needs. */
export interface PipelineDevkit {
  /** Writes the sample pairs of the `sample` stage (its options, plus the file to write) to `out`. */
  writeSample(options: Readonly<Record<string, unknown>>, out: string): Promise<unknown>;
  /** Starts the scripted stand-in LLM that `generate.llm: "scripted"` talks to. */
  startScriptedLlm(): Promise<ScriptedLlm>;
}

/** `generate.llm` when it names a real endpoint. */
export interface LlmEndpointConfig {
  model: string;
  baseURL?: string;
  /** The environment variable that holds the API key. @default 'OPENAI_API_KEY' */
  apiKeyEnv?: string;
}

/** Where generate's requests go, and with which key. */
export interface LlmCredentials {
  baseURL: string;
  apiKey: string;
  /** The keys of endpoints that name their own variable (`#key_env=VAR` in `baseURL`): variable -> value. */
  endpointKeys?: Readonly<Record<string, string>>;
}

/** What the pipeline's stages take from the environment, resolved by the caller. */
export interface PipelineEnvironment {
  /**
   * The base URL and API key for a real `generate.llm` (the pipeline file's values first, then the
   * environment's). Throws a `TidepoolError` when nothing gives a key for OpenAI's own endpoint.
   */
  llmCredentials(llm: Readonly<LlmEndpointConfig>): LlmCredentials;
  /** The browser for report figures when the pipeline file names none (`$TIDEPOOL_CHROMIUM`). */
  chromium: string | undefined;
  /** Where to look for a browser (`$PATH`). */
  searchPath: string | undefined;
  /** The key sent to `embed.endpoint` / `decontam.endpoint` servers (`$OPENAI_API_KEY`); never written anywhere. */
  embeddingApiKey?: string | undefined;
  /** Where `model: "openai:NAME"` without `endpoint` goes (`$OPENAI_BASE_URL`, as `tidepool embed` reads it). @default OpenAI's API */
  embeddingBaseURL?: string | undefined;
  /** How `embed.model` and `decontam.model` Hub ids are resolved (HF_* variables). @default the public Hub, ~/.cache/huggingface/hub */
  hub?: HubSettings | undefined;
}
