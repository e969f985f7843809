/** The stages a pipeline file may configure, in run order (a module of its own so the CLI can list them without loading the YAML parser). */
export const STAGES = ['sample', 'ingest', 'embed', 'select', 'generate', 'decontam', 'export', 'report'] as const;
export type StageName = (typeof STAGES)[number];
