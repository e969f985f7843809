/**
 * Rows: where a function lives (repository, file, lines, commit) and how a row is spelled as one JSON
 * line in either field naming. Repositories and files persist over runs of rows, as in CodeSearchNet,
 * whose files hold consecutive functions of one repository.
 */
import type { GeneratedFunction, LanguageKit } from './function.js';
import type { Random } from './random.js';
import { capitalize, NOUNS, OWNERS, PROJECT_WORDS } from './vocabulary.js';

/** How fields are named: CodeSearchNet's jsonl (`original`) or the Hugging Face dataset (`hf`). */
export type SampleNaming = 'original' | 'hf';

/**
 * The fields of one row, named neutrally. The three free-text fields are kept JSON-escaped (without
 * quotes), the form they are generated in; the others never need escaping.
 */
export interface RowFields {
  repo: string;
  path: string;
  funcName: string;
  originalStringJson: string;
  language: string;
  codeJson: string;
  docstringJson: string;
  url: string;
  partition: string;
}

/** Raw text of a JSON-escaped field. */
export function unescapeJson(json: string): string {
  return JSON.parse(`"${json}"`) as string;
}

/** Field names in output order, as [neutral field, name]: CodeSearchNet's jsonl. */
const ORIGINAL_FIELDS = [
  ['repo', 'repo'], ['path', 'path'], ['funcName', 'func_name'], ['originalStringJson', 'original_string'], ['language', 'language'],
  ['codeJson', 'code'], ['docstringJson', 'docstring'], ['url', 'url'], ['partition', 'partition'],
] as const satisfies readonly (readonly [keyof RowFields, string])[];

/** Field names in output order, as [neutral field, name]: the Hugging Face `code_search_net` dataset. */
const HF_FIELDS = [
  ['repo', 'repository_name'], ['path', 'func_path_in_repository'], ['funcName', 'func_name'], ['originalStringJson', 'whole_func_string'],
  ['language', 'language'], ['codeJson', 'func_code_string'], ['docstringJson', 'func_documentation_string'], ['partition', 'split_name'], ['url', 'func_code_url'],
] as const satisfies readonly (readonly [keyof RowFields, string])[];

/**
 * One row as a JSON line (no newline), by concatenation: the text fields are already escaped and the rest
 * never need escaping. The result equals `JSON.stringify(rowObject(row, naming))`.
 */
export function serializeRow(row: RowFields, naming: SampleNaming): string {
  return new RowSerializer(naming).serialize(row);
}

/**
 * {@link serializeRow} for a stream of rows: consecutive rows mostly share repository, path and language,
 * so the text before `func_name` and between `original_string` and `code` is reused while they do.
 */
export class RowSerializer {
  private repo = '';
  private path = '';
  private language = '';
  private head = '';
  private middle = '';

  constructor(private readonly naming: SampleNaming) {}

  /** `row` as one JSON line, without the newline. */
  serialize(row: RowFields): string {
    if (row.repo !== this.repo || row.path !== this.path || row.language !== this.language) {
      this.repo = row.repo;
      this.path = row.path;
      this.language = row.language;
      const original = this.naming === 'original';
      this.head = original ? `{"repo":"${row.repo}","path":"${row.path}","func_name":"` : `{"repository_name":"${row.repo}","func_path_in_repository":"${row.path}","func_name":"`;
      this.middle = original ? `","language":"${row.language}","code":"` : `","language":"${row.language}","func_code_string":"`;
    }
    if (this.naming === 'original') {
      return `${this.head}${row.funcName}","original_string":"${row.originalStringJson}${this.middle}${row.codeJson}","docstring":"${row.docstringJson}","url":"${row.url}","partition":"${row.partition}"}`;
    }
    return `${this.head}${row.funcName}","whole_func_string":"${row.originalStringJson}${this.middle}${row.codeJson}","func_documentation_string":"${row.docstringJson}","split_name":"${row.partition}","func_code_url":"${row.url}"}`;
  }
}

/** The row as a plain object with the naming's keys in output order, less `omit` (used to build bad lines). */
export function rowObject(row: RowFields, naming: SampleNaming, omit?: keyof RowFields): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [field, name] of naming === 'original' ? ORIGINAL_FIELDS : HF_FIELDS) {
    if (field !== omit) object[name] = field.endsWith('Json') ? unescapeJson(row[field]) : row[field];
  }
  return object;
}

/** The field holding the code under a naming (what a `missing_field` / `mistyped_field` line breaks). */
export function codeKey(naming: SampleNaming): string {
  return naming === 'original' ? 'code' : 'func_code_string';
}

/** The field holding the docstring under a naming. */
export function docstringKey(naming: SampleNaming): string {
  return naming === 'original' ? 'docstring' : 'func_documentation_string';
}

function partition(random: Random): string {
  const roll = random.float();
  return roll < 0.9 ? 'train' : roll < 0.95 ? 'valid' : 'test';
}

function filePath(random: Random, language: string, owner: string, project: string): string {
  const noun = random.pick(NOUNS);
  const pkg = project.replace(/-/g, '_');
  switch (language) {
    case 'python': return random.chance(0.5) ? `${pkg}/${noun}.py` : `${pkg}/${random.pick(NOUNS)}/${noun}_utils.py`;
    case 'java': return `src/main/java/com/${owner}/${pkg.replace(/_/g, '')}/${capitalize(noun)}${random.pick(['Service', 'Util', 'Handler', 'Factory'])}.java`;
    case 'javascript': return random.chance(0.5) ? `lib/${noun}.js` : `src/${random.pick(NOUNS)}/${noun}.js`;
    case 'go': return random.chance(0.5) ? `${noun}.go` : `${random.chance(0.5) ? 'internal' : 'pkg'}/${random.pick(NOUNS)}/${noun}.go`;
    case 'php': return `src/${capitalize(random.pick(NOUNS))}/${capitalize(noun)}.php`;
    default: return `lib/${pkg}/${noun}.rb`;
  }
}

function projectName(random: Random): string {
  const first = random.pick(PROJECT_WORDS);
  return random.chance(0.5) ? `${first}-${random.pick(PROJECT_WORDS)}` : first;
}

/** Where the next function goes: the repository, file and first line of the next function. */
export interface Cursor {
  owner: string;
  project: string;
  /** `owner/project`. */
  repo: string;
  sha: string;
  language: string;
  /** What functions of the repository's language are made from. */
  kit: LanguageKit;
  path: string;
  /** The url up to the line numbers: `https://github.com/<repo>/blob/<sha>/<path>#L`. */
  urlPrefix: string;
  nextLine: number;
  rowsLeftInRepo: number;
  rowsLeftInFile: number;
}

/**
 * Hands out locations: a repository (and its language) lasts ~25 rows, a file ~4 functions, and each
 * function starts a few lines after the previous one, so urls read like CodeSearchNet's.
 */
export class Locations {
  private cursor: Cursor | undefined;

  constructor(private readonly random: Random, private readonly kits: readonly LanguageKit[]) {}

  /** Where the next row goes (switches repository when the current one is used up, file likewise). */
  next(): Cursor {
    const random = this.random;
    let cursor = this.cursor;
    if (cursor === undefined || cursor.rowsLeftInRepo <= 0) {
      const kit = random.pick(this.kits);
      const owner = random.pick(OWNERS);
      const project = projectName(random);
      cursor = {
        owner, project, repo: `${owner}/${project}`, sha: random.sha(), language: kit.blocks[0].dialect.language, kit,
        path: '', urlPrefix: '', nextLine: 1, rowsLeftInRepo: 1 + random.below(50), rowsLeftInFile: 0,
      };
      this.cursor = cursor;
    }
    if (cursor.rowsLeftInFile <= 0) {
      cursor.path = filePath(random, cursor.language, cursor.owner, cursor.project);
      cursor.urlPrefix = `https://github.com/${cursor.repo}/blob/${cursor.sha}/${cursor.path}#L`;
      cursor.nextLine = 1 + random.below(40);
      cursor.rowsLeftInFile = 1 + random.below(8);
    }
    cursor.rowsLeftInRepo--;
    cursor.rowsLeftInFile--;
    return cursor;
  }

  /** Builds the row of `fn` at the cursor returned by the last {@link next}. */
  place(cursor: Cursor, fn: GeneratedFunction): RowFields {
    const start = cursor.nextLine;
    const end = start + fn.lines - 1;
    cursor.nextLine = end + 2 + this.random.below(12);
    return {
      repo: cursor.repo,
      path: cursor.path,
      funcName: fn.funcName,
      originalStringJson: fn.docPrefixJson + fn.codeJson,
      language: cursor.language,
      codeJson: fn.codeJson,
      docstringJson: fn.docstringJson,
      url: `${cursor.urlPrefix}${start}-L${end}`,
      partition: partition(this.random),
    };
  }

  /** A fork of `row`'s repository: another owner, same project and path, another commit. */
  fork(row: RowFields): Pick<RowFields, 'repo' | 'url' | 'partition'> {
    const random = this.random;
    const project = row.repo.slice(row.repo.indexOf('/') + 1);
    const repo = `${random.pick(OWNERS)}${random.between(1, 99)}/${project}`;
    const lines = row.url.slice(row.url.lastIndexOf('#'));
    return { repo, url: `https://github.com/${repo}/blob/${random.sha()}/${row.path}${lines}`, partition: partition(random) };
  }
}
