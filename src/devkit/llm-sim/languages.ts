/**
 * What the scripted model knows about a language: its display name, comment marker, naming style and
 * two short, complete function templates (count matches, sum values) it answers with where a real
 * model would write new code. Pure data.
 */

/** How function names are spelled. */
export type NameStyle = 'snake' | 'camel' | 'pascal';

/** The two problems the scripted model knows how to solve in every language. */
export type ProblemKind = 'count' | 'sum';

/** One language's facts and templates; templates take the function name, already styled. */
export interface SimLanguage {
  /** Display name, e.g. `JavaScript`; the caller's spelling for languages not in the table. */
  display: string;
  /** Line comment marker. */
  comment: '#' | '//';
  nameStyle: NameStyle;
  templates: Readonly<Record<ProblemKind, (name: string) => string>>;
}

/** The problem each template solves, as a sentence fragment after "that". */
export const PROBLEM_STATEMENTS: Readonly<Record<ProblemKind, string>> = {
  count: 'takes a list of items and a target value and returns how many items are equal to the target; an empty list gives 0',
  sum: 'takes a list of integers and returns their sum; an empty list gives 0',
};

const lines = (...text: string[]): string => text.join('\n');

const PYTHON: SimLanguage = {
  display: 'Python', comment: '#', nameStyle: 'snake',
  templates: {
    count: (name) => lines(`def ${name}(items, target):`, '    count = 0', '    for item in items:', '        if item == target:', '            count += 1', '    return count'),
    sum: (name) => lines(`def ${name}(values):`, '    total = 0', '    for value in values:', '        total += value', '    return total'),
  },
};

const JAVASCRIPT: SimLanguage = {
  display: 'JavaScript', comment: '//', nameStyle: 'camel',
  templates: {
    count: (name) => lines(`function ${name}(items, target) {`, '  let count = 0;', '  for (const item of items) {', '    if (item === target) {', '      count += 1;', '    }', '  }', '  return count;', '}'),
    sum: (name) => lines(`function ${name}(values) {`, '  return values.reduce((total, value) => total + value, 0);', '}'),
  },
};

const SHELL_TEMPLATES: SimLanguage['templates'] = {
  count: (name) => lines(`${name}() {`, '  local target="$1"', '  shift', '  local count=0', '  for item in "$@"; do', '    if [ "$item" = "$target" ]; then', '      count=$((count + 1))', '    fi', '  done', '  echo "$count"', '}'),
  sum: (name) => lines(`${name}() {`, '  local total=0', '  for value in "$@"; do', '    total=$((total + value))', '  done', '  echo "$total"', '}'),
};

const LANGUAGES: Readonly<Record<string, SimLanguage>> = {
  python: PYTHON,
  javascript: JAVASCRIPT,
  typescript: {
    display: 'TypeScript', comment: '//', nameStyle: 'camel',
    templates: {
      count: (name) => lines(`function ${name}<T>(items: readonly T[], target: T): number {`, '  return items.filter((item) => item === target).length;', '}'),
      sum: (name) => lines(`function ${name}(values: readonly number[]): number {`, '  let total = 0;', '  for (const value of values) {', '    total += value;', '  }', '  return total;', '}'),
    },
  },
  java: {
    display: 'Java', comment: '//', nameStyle: 'camel',
    templates: {
      count: (name) => lines(`public static <T> int ${name}(List<T> items, T target) {`, '    int count = 0;', '    for (T item : items) {', '        if (Objects.equals(item, target)) {', '            count++;', '        }', '    }', '    return count;', '}'),
      sum: (name) => lines(`public static long ${name}(int[] values) {`, '    long total = 0;', '    for (int value : values) {', '        total += value;', '    }', '    return total;', '}'),
    },
  },
  go: {
    display: 'Go', comment: '//', nameStyle: 'camel',
    templates: {
      count: (name) => lines(`func ${name}[T comparable](items []T, target T) int {`, '\tcount := 0', '\tfor _, item := range items {', '\t\tif item == target {', '\t\t\tcount++', '\t\t}', '\t}', '\treturn count', '}'),
      sum: (name) => lines(`func ${name}(values []int) int {`, '\ttotal := 0', '\tfor _, value := range values {', '\t\ttotal += value', '\t}', '\treturn total', '}'),
    },
  },
  php: {
    display: 'PHP', comment: '//', nameStyle: 'camel',
    templates: {
      count: (name) => lines(`function ${name}(array $items, $target): int`, '{', '    $count = 0;', '    foreach ($items as $item) {', '        if ($item === $target) {', '            $count++;', '        }', '    }', '    return $count;', '}'),
      sum: (name) => lines(`function ${name}(array $values): int`, '{', '    return (int) array_sum($values);', '}'),
    },
  },
  ruby: {
    display: 'Ruby', comment: '#', nameStyle: 'snake',
    templates: {
      count: (name) => lines(`def ${name}(items, target)`, '  items.count { |item| item == target }', 'end'),
      sum: (name) => lines(`def ${name}(values)`, '  values.reduce(0) { |total, value| total + value }', 'end'),
    },
  },
  rust: {
    display: 'Rust', comment: '//', nameStyle: 'snake',
    templates: {
      count: (name) => lines(`fn ${name}<T: PartialEq>(items: &[T], target: &T) -> usize {`, '    items.iter().filter(|item| *item == target).count()', '}'),
      sum: (name) => lines(`fn ${name}(values: &[i64]) -> i64 {`, '    values.iter().sum()', '}'),
    },
  },
  c: {
    display: 'C', comment: '//', nameStyle: 'snake',
    templates: {
      count: (name) => lines(`size_t ${name}(const int *items, size_t length, int target) {`, '    size_t count = 0;', '    for (size_t i = 0; i < length; i++) {', '        if (items[i] == target) {', '            count++;', '        }', '    }', '    return count;', '}'),
      sum: (name) => lines(`long ${name}(const int *values, size_t length) {`, '    long total = 0;', '    for (size_t i = 0; i < length; i++) {', '        total += values[i];', '    }', '    return total;', '}'),
    },
  },
  'c++': {
    display: 'C++', comment: '//', nameStyle: 'camel',
    templates: {
      count: (name) => lines('template <typename T>', `std::size_t ${name}(const std::vector<T>& items, const T& target) {`, '    return static_cast<std::size_t>(std::count(items.begin(), items.end(), target));', '}'),
      sum: (name) => lines(`long long ${name}(const std::vector<int>& values) {`, '    return std::accumulate(values.begin(), values.end(), 0LL);', '}'),
    },
  },
  'c#': {
    display: 'C#', comment: '//', nameStyle: 'pascal',
    templates: {
      count: (name) => lines(`public static int ${name}<T>(IEnumerable<T> items, T target)`, '{', '    return items.Count(item => EqualityComparer<T>.Default.Equals(item, target));', '}'),
      sum: (name) => lines(`public static long ${name}(IEnumerable<int> values)`, '{', '    long total = 0;', '    foreach (var value in values)', '    {', '        total += value;', '    }', '    return total;', '}'),
    },
  },
  kotlin: {
    display: 'Kotlin', comment: '//', nameStyle: 'camel',
    templates: {
      count: (name) => lines(`fun <T> ${name}(items: List<T>, target: T): Int =`, '    items.count { it == target }'),
      sum: (name) => lines(`fun ${name}(values: List<Int>): Long {`, '    var total = 0L', '    for (value in values) {', '        total += value', '    }', '    return total', '}'),
    },
  },
  swift: {
    display: 'Swift', comment: '//', nameStyle: 'camel',
    templates: {
      count: (name) => lines(`func ${name}<T: Equatable>(_ items: [T], _ target: T) -> Int {`, '    return items.filter { $0 == target }.count', '}'),
      sum: (name) => lines(`func ${name}(_ values: [Int]) -> Int {`, '    return values.reduce(0, +)', '}'),
    },
  },
  scala: {
    display: 'Scala', comment: '//', nameStyle: 'camel',
    templates: {
      count: (name) => lines(`def ${name}[T](items: Seq[T], target: T): Int =`, '  items.count(_ == target)'),
      sum: (name) => lines(`def ${name}(values: Seq[Int]): Long =`, '  values.foldLeft(0L)(_ + _)'),
    },
  },
  shell: { display: 'Shell', comment: '#', nameStyle: 'snake', templates: SHELL_TEMPLATES },
  bash: { display: 'Bash', comment: '#', nameStyle: 'snake', templates: SHELL_TEMPLATES },
};

const ALIASES: Readonly<Record<string, string>> = {
  js: 'javascript', nodejs: 'javascript', ts: 'typescript', py: 'python', golang: 'go', rb: 'ruby', rs: 'rust',
  cpp: 'c++', cxx: 'c++', csharp: 'c#', kt: 'kotlin', sh: 'shell', zsh: 'shell',
};

/**
 * The facts for `language` (any case; common aliases accepted). A language not in the table gets the
 * JavaScript templates under the caller's own spelling, so its name still appears in instructions.
 */
export function simLanguage(language: string): SimLanguage {
  const key = language.trim().toLowerCase();
  const entry = LANGUAGES[key];
  if (entry !== undefined) return entry;
  const alias = LANGUAGES[ALIASES[key] ?? ''];
  return { ...(alias ?? JAVASCRIPT), display: language.trim() === '' ? 'JavaScript' : language.trim() };
}
