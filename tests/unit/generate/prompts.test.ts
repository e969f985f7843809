import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../../src/errors.js';
import { loadPrompts, placeholdersOf, PROMPT_NAMES, PROMPT_PLACEHOLDERS, renderPrompt } from '../../../src/generate/prompts.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'tidepool-prompts-'));
const thrown = (action: () => unknown): unknown => {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
};

describe('loadPrompts', () => {
  it('loads every default with a sha256 version of its text', () => {
    const prompts = loadPrompts();
    for (const name of PROMPT_NAMES) {
      const prompt = prompts[name];
      expect(prompt.file.endsWith(`${name}.md`)).toBe(true);
      expect(prompt.text.length).toBeGreaterThan(100);
      expect(prompt.version).toBe(createHash('sha256').update(prompt.text).digest('hex'));
    }
  });

  it('an override replaces one file and changes only its version', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'repair.md'), 'Fix this {{language}} code:\n{{code}}');
    writeFileSync(join(dir, 'README.md'), 'notes');
    const defaults = loadPrompts();
    const overridden = loadPrompts(dir);
    expect(overridden.repair.file).toBe(join(dir, 'repair.md'));
    expect(overridden.repair.version).not.toBe(defaults.repair.version);
    for (const name of PROMPT_NAMES.filter((n) => n !== 'repair')) expect(overridden[name]).toEqual(defaults[name]);
  });

  it('an unknown placeholder is an E_USAGE error naming the file and the allowed placeholders', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'generation.md'), 'Write {{langauge}} code');
    const error = thrown(() => loadPrompts(dir));
    expect(hasErrorCode(error, 'E_USAGE')).toBe(true);
    expect((error as Error).message).toContain(join(dir, 'generation.md'));
    expect((error as Error).message).toContain('unknown placeholder {{langauge}}');
    expect((error as Error).message).toContain('{{language}}');
  });

  it('rejects a misnamed override file and a missing folder', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'generaton.md'), 'x');
    expect((thrown(() => loadPrompts(dir)) as Error).message).toContain('generaton.md names no prompt');
    expect(hasErrorCode(thrown(() => loadPrompts(join(dir, 'absent'))), 'E_INPUT_MISSING')).toBe(true);
  });

  it('reports a default missing from the defaults folder', () => {
    const defaults = tempDir();
    mkdirSync(join(defaults, 'sub'));
    expect(hasErrorCode(thrown(() => loadPrompts(undefined, defaults)), 'E_INPUT_MISSING')).toBe(true);
  });
});

describe('renderPrompt', () => {
  it('every default renders with its documented placeholders and leaves none behind', () => {
    const prompts = loadPrompts();
    for (const name of PROMPT_NAMES) {
      const values = Object.fromEntries(PROMPT_PLACEHOLDERS[name].map((p) => [p, `<${p.toUpperCase()}>`]));
      const text = renderPrompt(prompts[name], values);
      expect(placeholdersOf(text)).toEqual([]);
      for (const placeholder of placeholdersOf(prompts[name].text)) expect(text).toContain(`<${placeholder.toUpperCase()}>`);
    }
    expect(placeholdersOf(prompts['oss-instruct'].text)).toContain('seed');
    expect(placeholdersOf(prompts.translation.text)).toEqual(expect.arrayContaining(['code', 'language', 'target_language', 'examples']));
  });

  it('fills in one pass: placeholder-like text in a value stays as is', () => {
    const prompt = { ...loadPrompts().repair, text: '{{ code }} / {{language}}' };
    expect(renderPrompt(prompt, { code: 'x = "{{language}}"', language: 'python' })).toBe('x = "{{language}}" / python');
  });

  it('a missing value is an E_USAGE error naming the file and placeholder', () => {
    const prompt = loadPrompts().generation;
    const error = thrown(() => renderPrompt(prompt, { code: 'x', language: 'python' }));
    expect(hasErrorCode(error, 'E_USAGE')).toBe(true);
    expect((error as Error).message).toContain(`prompt ${prompt.file}: no value for placeholder {{examples}}`);
  });

  it('an unknown placeholder in a template is an E_USAGE error', () => {
    const prompt = { ...loadPrompts().generation, text: '{{seed}}' };
    expect(hasErrorCode(thrown(() => renderPrompt(prompt, { seed: 'x' })), 'E_USAGE')).toBe(true);
  });
});
