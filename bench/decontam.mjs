#!/usr/bin/env node
// Decontam benchmark: rows/s, peak memory and recall on planted leaks of `tidepool decontam` over
// 2,000,000 `tidepool sample` pairs against synthetic HumanEval-like (164) and MBPP-like (500)
// benchmark files, with the exact + n-gram detectors (--no-embed) and with the hashing embedding
// detector too; side by side with a bigcode-style Python peer (whole benchmark strings searched in
// each record with `in`), run on a prefix of the pairs plus every leak and extrapolated.
//
// The benchmark problems are generated here (seeded): function-shaped tasks from twenty families
// (filters, running maxima, windows, run-length codes, bracket checks, digit loops, ...) with random
// names, predicates and transforms; their doctests and asserts are computed by running the solutions
// in python3. Nothing is copied from the real datasets. Leaks planted into the pairs (a jsonl ingested
// with the sample): verbatim HumanEval-like prompt + solution, the same with every identifier and the
// docstring changed, verbatim MBPP-like code, renamed MBPP-like code, and MBPP-like paraphrases
// (reworded problem text as docstring, code with its local variables renamed).
// Usage: node bench/decontam.mjs [--rows 2000000] [--peer-rows 5000]
// Writes bench/results/decontam.json and bench/results/decontam.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.mjs';
import { lastJson, measure, requireGnuTime } from './lib/run.mjs';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '2000000' }, 'peer-rows': { type: 'string', default: '5000' } } });
const rows = Number(values.rows);
const peerRows = Number(values['peer-rows']);
const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'tidepool.js');
const work = join(root, 'bench', 'out', 'decontam');
mkdirSync(work, { recursive: true });
requireGnuTime();
if (!existsSync(join(root, 'dist', 'decontam', 'run.js'))) throw new Error('dist/ missing: run `npm run build` first');

// ---------------------------------------------------------------------------------------------
// Seeded generation of function-shaped problems.

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const pick = (rng, list) => list[Math.floor(rng() * list.length)];
const int = (rng, lo, hi) => lo + Math.floor(rng() * (hi - lo + 1));

const LISTS = [['values', 'value'], ['numbers', 'number'], ['scores', 'score'], ['readings', 'reading'], ['prices', 'price'], ['weights', 'weight'], ['heights', 'height'], ['samples', 'sample'], ['amounts', 'amount'], ['levels', 'level'], ['temperatures', 'temperature'], ['distances', 'distance'], ['ratings', 'rating'], ['votes', 'vote'], ['sizes', 'size'], ['steps', 'step']];
const STRINGS = ['text', 'sentence', 'message', 'phrase', 'line', 'label', 'title', 'caption', 'entry', 'note'];
const ACCS = ['total', 'result', 'acc', 'answer', 'tally', 'collected', 'running', 'outcome', 'summary', 'gathered'];
const PREDICATES = [
  (k, r) => ({ py: `X % ${k} == ${r % k}`, en: r % k === 0 ? `divisible by ${k}` : `leaving remainder ${r % k} when divided by ${k}` }),
  (k) => ({ py: `X > ${k}`, en: `greater than ${k}` }),
  (k) => ({ py: `X < ${k}`, en: `smaller than ${k}` }),
  () => ({ py: 'X % 2 == 1', en: 'odd' }),
  () => ({ py: 'X % 2 == 0', en: 'even' }),
  (k) => ({ py: `abs(X) <= ${k}`, en: `within ${k} of zero` }),
  (k) => ({ py: `X != ${k}`, en: `different from ${k}` }),
];
const TRANSFORMS = [
  (k) => ({ py: `X * ${k}`, en: `multiplied by ${k}` }),
  (k) => ({ py: `X + ${k}`, en: `increased by ${k}` }),
  () => ({ py: 'X ** 2', en: 'squared' }),
  () => ({ py: 'abs(X)', en: 'in absolute value' }),
  (k) => ({ py: `X // ${k}`, en: `divided by ${k} (rounded down)` }),
  (k) => ({ py: `X - ${k}`, en: `decreased by ${k}` }),
];
const predicate = (rng) => pick(rng, PREDICATES)(int(rng, 2, 9), int(rng, 0, 8));
const transform = (rng) => pick(rng, TRANSFORMS)(int(rng, 2, 7));
const sub = (expr, name) => expr.replaceAll('X', name);
const intList = (rng) => `[${Array.from({ length: int(rng, 4, 9) }, () => int(rng, -12, 30)).join(', ')}]`;
const WORDS = ['apple', 'river', 'stone', 'Cloud', 'ember', 'lantern', 'Quartz', 'maple', 'orbit', 'pebble', 'signal', 'tundra', 'velvet', 'harbor', 'Ivory', 'meadow'];
const sentence = (rng) => JSON.stringify(Array.from({ length: int(rng, 3, 7) }, () => pick(rng, WORDS)).join(' '));
const word = (rng) => JSON.stringify(Array.from({ length: int(rng, 1, 3) }, () => pick(rng, WORDS)).join('').slice(0, 14));

/**
 * Problem families: each returns { name, params: [[name, type]], returns, en, body: lines (4-space
 * indented), locals, args: () => python argument list }.
 */
const FAMILIES = [
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const acc = pick(rng, ACCS); const p = predicate(rng); const t = transform(rng);
    return { name: `sum_${xs}_${pick(rng, ['where', 'if', 'when'])}`, params: [[xs, 'List[int]']], returns: 'int', en: `Return the sum of the ${xs} that are ${p.en}, each ${t.en}.`,
      body: [`${acc} = 0`, `for ${x} in ${xs}:`, `    if ${sub(p.py, x)}:`, `        ${acc} += ${sub(t.py, x)}`, `return ${acc}`], locals: [acc, x], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const p = predicate(rng);
    return { name: `count_${pick(rng, ['matching', 'selected', 'flagged'])}_${xs}`, params: [[xs, 'List[int]']], returns: 'int', en: `Count how many of the ${xs} are ${p.en}.`,
      body: [`return sum(1 for ${x} in ${xs} if ${sub(p.py, x)})`], locals: [x], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const p = predicate(rng); const t = transform(rng);
    return { name: `${pick(rng, ['select', 'pick', 'keep'])}_${xs}`, params: [[xs, 'List[int]']], returns: 'List[int]', en: `Return the ${xs} that are ${p.en}, each ${t.en}, in their original order.`,
      body: [`return [${sub(t.py, x)} for ${x} in ${xs} if ${sub(p.py, x)}]`], locals: [x], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const acc = pick(rng, ACCS); const op = pick(rng, [['max', '>', 'largest'], ['min', '<', 'smallest']]);
    const cur = pick(rng, ['current', 'best', 'extreme', 'record']);
    return { name: `running_${op[0]}_${xs}`, params: [[xs, 'List[int]']], returns: 'List[int]', en: `Return a list where each position holds the ${op[2]} of the ${xs} seen so far.`,
      body: [`${acc} = []`, `${cur} = None`, `for ${x} in ${xs}:`, `    if ${cur} is None or ${x} ${op[1]} ${cur}:`, `        ${cur} = ${x}`, `    ${acc}.append(${cur})`, `return ${acc}`], locals: [acc, cur, x], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const p = predicate(rng); const run = pick(rng, ['run', 'streak', 'stretch']); const best = pick(rng, ['longest', 'best', 'top']);
    return { name: `longest_${run}_of_${xs}`, params: [[xs, 'List[int]']], returns: 'int', en: `Return the length of the longest ${run} of consecutive ${xs} that are all ${p.en}.`,
      body: [`${best} = 0`, `${run} = 0`, `for ${x} in ${xs}:`, `    if ${sub(p.py, x)}:`, `        ${run} += 1`, `        ${best} = max(${best}, ${run})`, '    else:', `        ${run} = 0`, `return ${best}`], locals: [best, run, x], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs] = pick(rng, LISTS); const k = pick(rng, ['k', 'width', 'span']); const w = pick(rng, ['window', 'block', 'frame']); const op = pick(rng, [['max', 'largest'], ['min', 'smallest']]);
    return { name: `${op[0]}_${w}_sum`, params: [[xs, 'List[int]'], [k, 'int']], returns: 'int', en: `Return the ${op[1]} sum of ${k} consecutive ${xs}; assume 1 <= ${k} <= len(${xs}).`,
      body: [`${w} = sum(${xs}[:${k}])`, `best = ${w}`, `for i in range(${k}, len(${xs})):`, `    ${w} += ${xs}[i] - ${xs}[i - ${k}]`, `    best = ${op[0]}(best, ${w})`, 'return best'], locals: [w, 'best', 'i'], args: (r) => `${intList(r)}, ${int(r, 1, 3)}` };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const p = predicate(rng); const i = pick(rng, ['index', 'position', 'i']);
    return { name: `first_${xs}_position`, params: [[xs, 'List[int]']], returns: 'int', en: `Return the index of the first of the ${xs} that is ${p.en}, or -1 if there is none.`,
      body: [`for ${i}, ${x} in enumerate(${xs}):`, `    if ${sub(p.py, x)}:`, `        return ${i}`, 'return -1'], locals: [i, x], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs] = pick(rng, LISTS); const k = int(rng, 2, 7); const c = pick(rng, ['pairs', 'count', 'found']);
    return { name: `count_${xs}_pairs_mod_${k}`, params: [[xs, 'List[int]']], returns: 'int', en: `Count the pairs of positions i < j whose ${xs} add up to a multiple of ${k}.`,
      body: [`${c} = 0`, `for i in range(len(${xs})):`, `    for j in range(i + 1, len(${xs})):`, `        if (${xs}[i] + ${xs}[j]) % ${k} == 0:`, `            ${c} += 1`, `return ${c}`], locals: [c, 'i', 'j'], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const seen = pick(rng, ['seen', 'visited', 'known']); const acc = pick(rng, ACCS); const t = transform(rng);
    return { name: `unique_${xs}_in_order`, params: [[xs, 'List[int]']], returns: 'List[int]', en: `Return the distinct ${xs}, each ${t.en}, keeping the first occurrence of each.`,
      body: [`${seen} = set()`, `${acc} = []`, `for ${x} in ${xs}:`, `    key = ${sub(t.py, x)}`, `    if key not in ${seen}:`, `        ${seen}.add(key)`, `        ${acc}.append(key)`, `return ${acc}`], locals: [seen, acc, x, 'key'], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs] = pick(rng, LISTS); const absolute = rng() < 0.5; const gap = pick(rng, ['gaps', 'deltas', 'changes']);
    return { name: `${xs}_${gap}`, params: [[xs, 'List[int]']], returns: 'List[int]', en: `Return the ${absolute ? 'absolute ' : ''}differences between each pair of neighbouring ${xs}.`,
      body: [`${gap} = []`, `for left, right in zip(${xs}, ${xs}[1:]):`, `    ${gap}.append(${absolute ? 'abs(right - left)' : 'right - left'})`, `return ${gap}`], locals: [gap, 'left', 'right'], args: (r) => intList(r) };
  },
  (rng) => {
    const s = pick(rng, STRINGS); const test = pick(rng, [['isdigit()', 'digits'], ['isalpha()', 'letters'], ['isupper()', 'capital letters'], ['lower() in "aeiou"', 'vowels'], ['isspace()', 'spaces']]); const ch = pick(rng, ['ch', 'char', 'c', 'symbol']); const keep = rng() < 0.5;
    return { name: `${keep ? 'keep' : 'drop'}_${test[1].replace(' ', '_')}_from_${s}`, params: [[s, 'str']], returns: 'str', en: `Return the ${s} with ${keep ? 'only its' : 'all its'} ${test[1]} ${keep ? 'kept' : 'removed'}.`,
      body: [`return ''.join(${ch} for ${ch} in ${s} if ${keep ? '' : 'not '}${ch}.${test[0]})`], locals: [ch], args: (r) => sentence(r) };
  },
  (rng) => {
    const s = pick(rng, STRINGS); const parts = pick(rng, ['parts', 'pieces', 'chunks']); const sep = pick(rng, ['', '-', ':']);
    return { name: `run_length_${s}`, params: [[s, 'str']], returns: 'str', en: `Encode the ${s} as runs: each run of equal characters becomes the character followed by its count${sep === '' ? '' : `, runs joined by "${sep}"`}.`,
      body: [`${parts} = []`, 'i = 0', `while i < len(${s}):`, '    j = i', `    while j < len(${s}) and ${s}[j] == ${s}[i]:`, '        j += 1', `    ${parts}.append(${s}[i] + str(j - i))`, '    i = j', `return ${JSON.stringify(sep)}.join(${parts})`], locals: [parts, 'i', 'j'], args: (r) => word(r) };
  },
  (rng) => {
    const s = pick(rng, STRINGS); const k = int(rng, 3, 6); const w = pick(rng, ['word', 'token', 'piece']);
    return { name: `long_${w}s_in_${s}`, params: [[s, 'str']], returns: 'List[str]', en: `Return the ${w}s of the ${s} that have more than ${k} letters, lower-cased.`,
      body: [`return [${w}.lower() for ${w} in ${s}.split() if len(${w}) > ${k}]`], locals: [w], args: (r) => sentence(r) };
  },
  (rng) => {
    const s = pick(rng, STRINGS); const cleaned = pick(rng, ['cleaned', 'letters', 'plain']);
    return { name: `is_${s}_palindrome`, params: [[s, 'str']], returns: 'bool', en: `Tell whether the ${s} reads the same backwards, ignoring case and anything that is not a letter.`,
      body: [`${cleaned} = [ch.lower() for ch in ${s} if ch.isalpha()]`, `return ${cleaned} == ${cleaned}[::-1]`], locals: [cleaned, 'ch'], args: (r) => sentence(r) };
  },
  (rng) => {
    const s = pick(rng, STRINGS); const pairs = pick(rng, [['()[]', "{')': '(', ']': '['}"], ['(){}', "{')': '(', '}': '{'}"], ['()[]{}', "{')': '(', ']': '[', '}': '{'}"]]); const stack = pick(rng, ['stack', 'pending', 'opened']);
    return { name: `balanced_${s}`, params: [[s, 'str']], returns: 'bool', en: `Tell whether every opening bracket among ${pairs[0]} in the ${s} is closed in the right order.`,
      body: [`closing = ${pairs[1]}`, `${stack} = []`, `for ch in ${s}:`, '    if ch in closing.values():', `        ${stack}.append(ch)`, '    elif ch in closing:', `        if not ${stack} or ${stack}.pop() != closing[ch]:`, '            return False', `return not ${stack}`], locals: ['closing', stack, 'ch'], args: (r) => JSON.stringify(Array.from({ length: int(r, 2, 8) }, () => pick(r, [...pairs[0]])).join('')) };
  },
  (rng) => {
    const n = pick(rng, ['n', 'number', 'value']); const p = predicate(rng); const op = pick(rng, [['product', '*=', '1'], ['sum', '+=', '0']]); const d = pick(rng, ['digit', 'last', 'd']);
    return { name: `${op[0]}_of_digits_${p.en.split(' ')[0]}`, params: [[n, 'int']], returns: 'int', en: `Return the ${op[0]} of the decimal digits of ${n} that are ${p.en}; ${n} is positive.`,
      body: [`${op[0]} = ${op[2]}`, `while ${n} > 0:`, `    ${d} = ${n} % 10`, `    if ${sub(p.py, d)}:`, `        ${op[0]} ${op[1]} ${d}`, `    ${n} //= 10`, `return ${op[0]}`], locals: [op[0], d], args: (r) => String(int(r, 10, 999999)) };
  },
  (rng) => {
    const n = pick(rng, ['n', 'start', 'seed']); const a = int(rng, 2, 5); const b = int(rng, 1, 3); const steps = pick(rng, ['steps', 'moves', 'rounds']);
    return { name: `${steps}_to_one_${a}x${b}`, params: [[n, 'int']], returns: 'int', en: `Count the ${steps} to reach 1 from ${n}: halve an even number, and replace an odd one by ${a} times it plus ${b}; give up after 500 ${steps} and return -1.`,
      body: [`${steps} = 0`, `while ${n} != 1:`, `    if ${steps} == 500:`, '        return -1', `    ${n} = ${n} // 2 if ${n} % 2 == 0 else ${a} * ${n} + ${b}`, `    ${steps} += 1`, `return ${steps}`], locals: [steps], args: (r) => String(int(r, 1, 60)) };
  },
  (rng) => {
    const n = pick(rng, ['n', 'number', 'whole']); const p = predicate(rng); const d = pick(rng, ['d', 'divisor', 'k']);
    return { name: `divisors_of_${n}_${p.en.split(' ')[0]}`, params: [[n, 'int']], returns: 'List[int]', en: `Return, in increasing order, the divisors of the positive integer ${n} that are ${p.en}.`,
      body: [`return [${d} for ${d} in range(1, ${n} + 1) if ${n} % ${d} == 0 and ${sub(p.py, d)}]`], locals: [d], args: (r) => String(int(r, 1, 120)) };
  },
  (rng) => {
    const ws = pick(rng, ['words', 'names', 'labels', 'tags']); const key = pick(rng, [['w[0]', 'first letter'], ['len(w)', 'length'], ['w[-1]', 'last letter']]); const groups = pick(rng, ['groups', 'buckets', 'by_key']);
    return { name: `group_${ws}_by_${key[1].replace(' ', '_')}`, params: [[ws, 'List[str]']], returns: 'Dict', en: `Group the non-empty ${ws} by their ${key[1]} into a dictionary of lists, keeping their order.`,
      body: [`${groups} = {}`, `for w in ${ws}:`, '    if not w:', '        continue', `    ${groups}.setdefault(${key[0]}, []).append(w)`, `return ${groups}`], locals: [groups, 'w'], args: (r) => `[${Array.from({ length: int(r, 2, 6) }, () => word(r)).join(', ')}]` };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const counts = pick(rng, ['counts', 'freq', 'occurrences']);
    return { name: `most_common_${x}`, params: [[xs, 'List[int]']], returns: 'int', en: `Return the most frequent of the ${xs}; on a tie, the smallest of them. The list is not empty.`,
      body: [`${counts} = {}`, `for ${x} in ${xs}:`, `    ${counts}[${x}] = ${counts}.get(${x}, 0) + 1`, `return min(${counts}, key=lambda item: (-${counts}[item], item))`], locals: [counts, x, 'item'], args: (r) => intList(r) };
  },
];

/** A candidate problem: its spec, HumanEval-style and MBPP-style renderings, and example arguments. */
function candidate(rng, index) {
  const spec = pick(rng, FAMILIES)(rng);
  spec.name = `${spec.name}_${index.toString(36)}`.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  spec.calls = Array.from({ length: 3 }, () => spec.args(rng));
  return spec;
}

function humanEvalPrompt(spec, examples) {
  const typing = spec.params.some(([, t]) => /List|Dict/.test(t)) || /List|Dict/.test(spec.returns) ? 'from typing import Dict, List\n\n\n' : '\n\n';
  const signature = `def ${spec.name}(${spec.params.map(([n, t]) => `${n}: ${t}`).join(', ')}) -> ${spec.returns}:`;
  const doctests = examples.slice(0, 2).map((e) => `    >>> ${spec.name}(${e.args})\n    ${e.result}`).join('\n');
  return `${typing}${signature}\n    """ ${spec.en}\n${doctests}\n    """\n`;
}
const indent = (lines) => lines.map((line) => `    ${line}`).join('\n');
const mbppCode = (spec) => `def ${spec.name}(${spec.params.map(([n]) => n).join(', ')}):\n${indent(spec.body)}`;
const mbppText = (spec) => `Write a function to ${`${spec.en.charAt(0).toLowerCase()}${spec.en.slice(1)}`.replace(/^return /, 'find ')}`;

/** Runs every candidate's solution on its example arguments in python3: [{ ok, results: [repr] }]. */
function evaluate(specs) {
  const script = [
    'import json, sys',
    'from typing import Dict, List',
    'out = []',
    'for spec in json.load(sys.stdin):',
    '    try:',
    '        scope = {"Dict": Dict, "List": List}',
    '        exec(spec["code"], scope)',
    '        out.append({"ok": True, "results": [repr(eval(spec["name"] + "(" + args + ")", scope)) for args in spec["calls"]]})',
    '    except Exception as error:',
    '        out.append({"ok": False, "error": repr(error)})',
    'json.dump(out, sys.stdout)',
  ].join('\n');
  const input = JSON.stringify(specs.map((s) => ({ code: mbppCode(s), name: s.name, calls: s.calls })));
  const run = spawnSync('python3', ['-c', script], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`python3 could not evaluate the problems:\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** `count` problems that run, with distinct names: the HumanEval-like or MBPP-like file's lines. */
function problems(seed, count, layout) {
  const rng = mulberry32(seed);
  const specs = Array.from({ length: Math.ceil(count * 1.3) }, (_, i) => candidate(rng, seed * 10_000 + i));
  const results = evaluate(specs);
  const kept = specs.flatMap((spec, i) => (results[i].ok && !results[i].results.some((r) => r.length > 60) ? [{ ...spec, examples: spec.calls.map((args, k) => ({ args, result: results[i].results[k] })) }] : [])).slice(0, count);
  if (kept.length < count) throw new Error(`only ${kept.length} of ${count} ${layout} problems ran`);
  return kept.map((spec, i) => {
    if (layout === 'humaneval') {
      const prompt = humanEvalPrompt(spec, spec.examples);
      const test = `\n\nMETADATA = {'author': 'tidepool-bench', 'dataset': 'synthetic'}\n\n\ndef check(candidate):\n${spec.examples.map((e) => `    assert candidate(${e.args}) == ${e.result}`).join('\n')}\n`;
      return { spec, line: { task_id: `SynthEval/${i}`, prompt, canonical_solution: `${indent(spec.body)}\n`, test, entry_point: spec.name } };
    }
    return { spec, line: { task_id: 1000 + i, text: mbppText(spec), code: mbppCode(spec), test_setup_code: '', test_list: spec.examples.map((e) => `assert ${spec.name}(${e.args}) == ${e.result}`), challenge_test_list: [] } };
  });
}

// ---------------------------------------------------------------------------------------------
// Leaks.

const FRESH = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'buf', 'acc_x', 'tmp', 'res', 'vals', 'arr', 'seq', 'data_in', 'out_list', 'cur', 'nxt', 'idx_a', 'q', 'w2', 'zeta', 'kappa', 'sigma', 'theta', 'rho'];

/** Replaces whole-word identifiers by fresh ones (a consistent renaming). */
function rename(code, names, rng) {
  const used = new Set();
  let out = code;
  for (const name of [...new Set(names)].sort((a, b) => b.length - a.length)) {
    let fresh;
    do fresh = `${pick(rng, FRESH)}_${int(rng, 1, 99)}`; while (used.has(fresh));
    used.add(fresh);
    out = out.replace(new RegExp(`\\b${name}\\b`, 'g'), fresh);
  }
  return out;
}

const PARAPHRASES = [[/^Write a function to /, 'Implement a routine that should '], [/\breturn\b/gi, 'give back'], [/\bfind\b/gi, 'work out'], [/\bcount\b/gi, 'tally'], [/\beach\b/g, 'every'], [/\bconsecutive\b/g, 'adjacent'], [/\bthat are\b/g, 'which happen to be'], [/\bthe\b/g, 'all the'], [/\.$/, ', please.']];

function leaks(humaneval, mbpp) {
  const rng = mulberry32(99);
  const out = [];
  const add = (kind, i, code, docstring) => out.push({ kind, record: { repo: 'planted/leaks', path: `planted/${kind}/${i}.py`, func_name: `${kind}_${i}`, language: 'python', docstring, code } });
  humaneval.slice(0, 80).forEach(({ spec, line }, i) => add('exact-humaneval', i, line.prompt + line.canonical_solution, spec.en));
  humaneval.slice(80, 160).forEach(({ spec, line }, i) => {
    const prompt = line.prompt.replace(/""" [\s\S]*"""/, '""" Helper kept from an old module. """');
    add('renamed-humaneval', i, rename(prompt + line.canonical_solution, [spec.name, ...spec.params.map(([n]) => n), ...spec.locals], rng), 'Helper kept from an old module.');
  });
  mbpp.slice(0, 60).forEach(({ line }, i) => add('exact-mbpp', i, line.code, line.text));
  mbpp.slice(60, 120).forEach(({ spec, line }, i) => add('renamed-mbpp', i, rename(line.code, [spec.name, ...spec.params.map(([n]) => n), ...spec.locals], rng), 'Utility function.'));
  mbpp.slice(120, 180).forEach(({ spec, line }, i) => {
    let text = line.text;
    for (const [from, to] of PARAPHRASES) text = text.replace(from, to);
    add('paraphrase-mbpp', i, rename(line.code, spec.locals, rng), text);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Inputs.

const benchDir = join(work, 'benchmarks');
mkdirSync(benchDir, { recursive: true });
const humaneval = problems(1, 164, 'humaneval');
const mbpp = problems(2, 500, 'mbpp');
const humanevalPath = join(benchDir, 'SynthEval.jsonl');
const mbppPath = join(benchDir, 'SynthMBPP.jsonl');
writeFileSync(humanevalPath, humaneval.map((p) => `${JSON.stringify(p.line)}\n`).join(''));
writeFileSync(mbppPath, mbpp.map((p) => `${JSON.stringify(p.line)}\n`).join(''));
const planted = leaks(humaneval, mbpp);
const leaksPath = join(work, 'leaks.jsonl');
writeFileSync(leaksPath, planted.map((p) => `${JSON.stringify(p.record)}\n`).join(''));

const samplePath = join(work, `sample-${rows}.jsonl.gz`);
let generation = null;
if (!existsSync(samplePath)) {
  process.stderr.write(`generating ${rows} pairs -> ${samplePath}\n`);
  const run = measure(process.execPath, [cli, 'sample', '--rows', String(rows), '--out', samplePath, '--seed', '13', '--duplicate-rate', '0', '--near-duplicate-rate', '0', '--json', '-q']);
  generation = { seconds: run.seconds, ...lastJson(run.stdout) };
}
const data = join(work, `data-${rows}`);
process.stderr.write(`ingesting -> ${data}\n`);
rmSync(data, { recursive: true, force: true });
const ingest = measure(process.execPath, [cli, 'ingest', samplePath, leaksPath, '--out', data, '--json', '-q']);
const ingested = lastJson(ingest.stdout);

/** path -> row_id of the planted rows, read from pairs.arrow's `path` column. */
async function plantedRowIds() {
  const { readArrowBatches } = await import(join(root, 'dist', 'store', 'arrow-file.js'));
  const ids = new Map();
  for await (const batch of readArrowBatches(join(data, 'pairs.arrow'))) {
    const path = batch.getChild('path');
    const rowId = batch.getChild('row_id');
    for (let i = 0; i < batch.numRows; i++) {
      const p = path.get(i);
      if (p !== null && p.startsWith('planted/')) ids.set(p, Number(rowId.get(i)));
    }
  }
  return ids;
}
const rowIdOf = await plantedRowIds();
if (rowIdOf.size !== planted.length) throw new Error(`${planted.length} leaks planted, ${rowIdOf.size} found in pairs.arrow`);
const kindOf = new Map(planted.map((p) => [rowIdOf.get(p.record.path), p.kind]));

// ---------------------------------------------------------------------------------------------
// Runs.

/** The command line that runs decontam: the CLI once main.ts registers it, else the command module. */
function decontamCommandLine() {
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
  if (/^\s+decontam\b/m.test(help.stdout)) return [cli, 'decontam'];
  const launcher = join(work, 'launcher.mjs');
  writeFileSync(launcher, `import { decontamCommand } from ${JSON.stringify(join(root, 'dist', 'cli', 'commands', 'decontam.js'))};\nawait decontamCommand().parseAsync(process.argv.slice(2), { from: 'user' });\n`);
  return [launcher];
}
const command = decontamCommandLine();

/** Per detector (and any), how many planted leaks of each kind a run removed; removed rows not planted. */
function score(out) {
  const kinds = [...new Set(planted.map((p) => p.kind))];
  const recall = Object.fromEntries(kinds.map((k) => [k, { planted: planted.filter((p) => p.kind === k).length, exact: 0, ngram: 0, embedding: 0, any: 0 }]));
  const falsePositives = { exact: 0, ngram: 0, embedding: 0, any: 0 };
  const text = readFileSync(join(out, 'removed.jsonl'), 'utf8');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const record = JSON.parse(line);
    const detectors = new Set(record.contamination.map((c) => c.detector));
    const kind = kindOf.get(record.row_id);
    const tally = kind === undefined ? falsePositives : recall[kind];
    for (const d of detectors) tally[d]++;
    tally.any++;
  }
  return { recall, falsePositives };
}

const bench = ['--bench', humanevalPath, mbppPath];
const NO_EMBED = 'exact + ngram (--no-embed)';
const FULL = 'exact + ngram + embedding (hashing, default --embed-threshold 0.9)';
const EMBED_LOW = 'embedding only (hashing, --embed-threshold 0.5)';
const configurations = {
  [NO_EMBED]: ['--no-embed'],
  [FULL]: [],
  [EMBED_LOW]: ['--no-exact', '--no-ngram', '--embed-threshold', '0.5'],
};
const runs = {};
const loadBefore = loadavg()[0];
for (const [name, flags] of Object.entries(configurations)) {
  const out = join(work, `out-${Object.keys(runs).length}`);
  process.stderr.write(`${name} ... `);
  const run = measure(process.execPath, [...command, '--input', data, ...bench, '--out', out, ...flags, '--json', '-q']);
  const summary = lastJson(run.stdout);
  runs[name] = { seconds: run.seconds, peakRssMiB: run.peakRssMiB, rowsPerSecond: Math.round(summary.records / run.seconds), summary, ...score(out) };
  process.stderr.write(`${run.seconds.toFixed(1)} s, ${run.peakRssMiB} MiB\n`);
}

// The peer: bigcode-style decontamination (a record is contaminated when it contains a benchmark
// string: prompts, solutions, tests, problem texts), whitespace-normalised and with the same 50
// character minimum, over the first `peerRows` sample pairs plus every leak.
const peerScript = String.raw`
import gzip, json, re, sys, time
bench_paths, sample, leaks, limit = sys.argv[1:3], sys.argv[3], sys.argv[4], int(sys.argv[5])
norm = lambda s: re.sub(r"\s+", " ", s).strip()
strings = []
for path in bench_paths:
    for line in open(path):
        item = json.loads(line)
        if "canonical_solution" in item:
            strings += [item["prompt"], item["canonical_solution"], item["test"]]
        else:
            strings += [item["text"], item["code"], "\n".join(item["test_list"])]
strings = [s for s in (norm(s) for s in strings) if len(s) >= 50]
records = []
with gzip.open(sample, "rt") as f:
    for i, line in enumerate(f):
        if i >= limit: break
        records.append(json.loads(line))
records += [json.loads(line) for line in open(leaks)]
start = time.perf_counter()
flagged = []
for r in records:
    text = norm(r["docstring"] + "\n" + r["code"])
    if any(s in text for s in strings):
        flagged.append(r.get("path") or "")
seconds = time.perf_counter() - start
print(json.dumps({"records": len(records), "seconds": seconds, "flagged": flagged, "strings": len(strings)}))
`;
process.stderr.write(`peer (${peerRows} sample rows + ${planted.length} leaks) ... `);
const peerRun = measure('python3', ['-c', peerScript, humanevalPath, mbppPath, samplePath, leaksPath, String(peerRows)]);
const peerSummary = lastJson(peerRun.stdout);
const peerFlagged = new Set(peerSummary.flagged);
const peer = {
  records: peerSummary.records, loopSeconds: peerSummary.seconds, rowsPerSecond: Math.round(peerSummary.records / peerSummary.seconds),
  extrapolatedSeconds: Math.round(((rows + planted.length) / peerSummary.records) * peerSummary.seconds),
  falsePositives: peerSummary.flagged.filter((p) => !p.startsWith('planted/')).length,
  recall: Object.fromEntries([...new Set(planted.map((p) => p.kind))].map((k) => [k, planted.filter((p) => p.kind === k && peerFlagged.has(p.record.path)).length])),
};
process.stderr.write(`${peerSummary.seconds.toFixed(1)} s\n`);

// ---------------------------------------------------------------------------------------------
// Results.

const records = runs[NO_EMBED].summary.records;
const result = {
  benchmark: 'decontam',
  date: new Date().toISOString(),
  machine: describeMachine(),
  // Other work on the machine while the runs went (1-minute load averages before and after them).
  load: { before: loadBefore, after: loadavg()[0] },
  input: { rows, pairs: records, samplePath, sampleBytes: statSync(samplePath).size, leaks: planted.length, ingest: { seconds: ingest.seconds, ...ingested } },
  benchmarks: { humaneval: { path: humanevalPath, items: humaneval.length }, mbpp: { path: mbppPath, items: mbpp.length } },
  generation,
  runs,
  peer,
};
const resultsDir = join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'decontam.json'), `${JSON.stringify(result, null, 2)}\n`);

const fmt = (n) => n.toLocaleString('en-US');
const kinds = Object.keys(runs[NO_EMBED].recall);
const noEmbed = runs[NO_EMBED];
const full = runs[FULL];
const embedLow = runs[EMBED_LOW];
const md = [
  '# Decontam benchmark',
  '',
  `${result.date.slice(0, 10)} on ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}. One run each (wall time from process start to exit, GNU time for peak RSS); 1-minute load average ${result.load.before.toFixed(1)} before the runs and ${result.load.after.toFixed(1)} after (other processes shared the cores).`,
  `Input: ${fmt(records)} pairs (\`tidepool sample\` seed 13, no duplicates, through \`tidepool ingest\`, with ${planted.length} planted leaks appended as a jsonl). Benchmarks: ${humaneval.length} HumanEval-like and ${mbpp.length} MBPP-like problems generated by this script (function-shaped tasks from ${FAMILIES.length} families; doctests and asserts computed by python3).`,
  'Detector seconds are the time the main thread spent in each (embedding: waiting for the workers\' vectors plus the onnxruntime similarity search; the hashing embedder runs on the default worker threads).',
  '',
  '| configuration | pairs | wall s | rows/s | exact s | ngram s | embedding s | peak RSS MiB | removed | removed but not planted |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...Object.entries(runs).map(([name, r]) => `| tidepool decontam, ${name} | ${fmt(r.summary.records)} | ${r.seconds.toFixed(1)} | ${fmt(r.rowsPerSecond)} | ${r.summary.detectorSeconds.exact.toFixed(1)} | ${r.summary.detectorSeconds.ngram.toFixed(1)} | ${r.summary.detectorSeconds.embedding.toFixed(1)} | ${r.peakRssMiB} | ${fmt(r.summary.removed)} | ${r.falsePositives.any} |`),
  `| bigcode-style peer (python3, substring \`in\`), ${fmt(peer.records)} pairs, extrapolated | ${fmt(records)} | ~${fmt(peer.extrapolatedSeconds)} | ${fmt(peer.rowsPerSecond)} | — | — | — | ${peerRun.peakRssMiB} | — | ${peer.falsePositives} (of ${fmt(peer.records)}) |`,
  '',
  'Recall on the planted leaks (leaks removed by each detector, out of those planted):',
  '',
  '| leak kind | planted | exact | ngram | embedding, cosine >= 0.9 | embedding, cosine >= 0.5 | any, --no-embed run | any, full run | bigcode-style peer |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...kinds.map((k) => `| ${k} | ${noEmbed.recall[k].planted} | ${full.recall[k].exact} | ${full.recall[k].ngram} | ${full.recall[k].embedding} | ${embedLow.recall[k].embedding} | ${noEmbed.recall[k].any} | ${full.recall[k].any} | ${peer.recall[k]} |`),
  `| removed but not planted | — | ${full.falsePositives.exact} | ${full.falsePositives.ngram} | ${full.falsePositives.embedding} | ${embedLow.falsePositives.embedding} | ${noEmbed.falsePositives.any} | ${full.falsePositives.any} | ${peer.falsePositives} (of ${fmt(peer.records)}) |`,
  '',
].join('\n');
writeFileSync(join(resultsDir, 'decontam.md'), md);
process.stdout.write(md);
