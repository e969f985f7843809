/**
 * The text template of `embed --text`: which `pairs.arrow` fields are embedded, e.g. the default
 * `{docstring}\n{code}`. Pure: compiles once, then renders rows.
 */
import { TidepoolError } from '../errors.js';

/** The default template: the docstring, a newline, the code. */
export const DEFAULT_TEXT_TEMPLATE = '{docstring}\\n{code}';

/** `pairs.arrow` string fields a template may name. */
export const TEMPLATE_FIELDS = ['language', 'repo', 'path', 'func_name', 'url', 'docstring', 'code'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** A compiled template: literal pieces between fields (`literals.length === fields.length + 1`). */
export interface TextTemplate {
  source: string;
  literals: string[];
  fields: TemplateField[];
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', '\\': '\\', '{': '{', '}': '}' };

/**
 * Compiles a template. `\n`, `\t`, `\\`, `\{` and `\}` are escapes (a shell passes `\n` through
 * as two characters); `{field}` inserts a field (null fields insert nothing).
 * @throws TidepoolError `E_USAGE` naming the position and the fields there are.
 */
export function compileTemplate(source: string): TextTemplate {
  const literals: string[] = [];
  const fields: TemplateField[] = [];
  let literal = '';
  const fail = (at: number, problem: string): never => {
    throw new TidepoolError('E_USAGE', `template ${JSON.stringify(source)}: ${problem} at character ${at + 1}. Fields: ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(', ')}; escapes: \\n \\t \\\\ \\{ \\}`);
  };
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '\\') {
      const escaped = ESCAPES[source[i + 1] ?? ''];
      if (escaped === undefined) return fail(i, 'unknown escape');
      literal += escaped;
      i++;
    } else if (ch === '{') {
      const end = source.indexOf('}', i);
      if (end === -1) fail(i, 'unclosed {');
      const name = source.slice(i + 1, end);
      if (!(TEMPLATE_FIELDS as readonly string[]).includes(name)) fail(i, `unknown field {${name}}`);
      literals.push(literal);
      fields.push(name as TemplateField);
      literal = '';
      i = end;
    } else if (ch === '}') {
      fail(i, 'unmatched }');
    } else {
      literal += ch;
    }
  }
  literals.push(literal);
  if (fields.length === 0) fail(0, 'no field');
  return { source, literals, fields };
}

/** Renders one row; `value(field)` gives the row's field (null inserts nothing). */
export function renderTemplate(template: TextTemplate, value: (field: TemplateField) => string | null): string {
  let text = template.literals[0]!;
  for (let i = 0; i < template.fields.length; i++) text += (value(template.fields[i]!) ?? '') + template.literals[i + 1]!;
  return text;
}
