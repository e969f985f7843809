/** The scripted model's discriminator answers: every rule answered, one of them "no" when rejecting. Pure. */
import type { DiscriminatorRule } from './request.js';

/** A discriminator reply in the shape tidepool's discriminator prompts ask for. */
export interface Verdict {
  rules: { rule: number; answer: 'yes' | 'no'; reason: string }[];
  verdict: 'accept' | 'reject';
}

/** Reasons a reviewer gives for a failed rule, matched on the rule's wording (first match wins). */
const FAILURE_REASONS: readonly (readonly [RegExp, string])[] = [
  [/concise|sentences/i, 'The explanation runs longer than it needs to and repeats itself.'],
  [/idiomatic/i, 'The output mirrors the input line by line instead of using the usual constructs of the target language.'],
  [/placeholder|missing|complete/i, 'The output leaves part of the logic unimplemented, so it is not complete.'],
  [/invented/i, 'The output claims the code validates its arguments, which it does not do.'],
  [/covers/i, 'The output never says what the code returns.'],
  [/plain prose/i, 'The output quotes a line of code instead of describing it in words.'],
  [/real bug|fixes that bug/i, 'The change in the input does not produce the wrong behaviour the instruction describes.'],
  [/differ/i, 'The input and the output are the same apart from whitespace.'],
  [/changes nothing else/i, 'The output also renames a variable, which changes more than the fix needs.'],
  [/related/i, 'The task drifts away from what the source code does.'],
  [/edge case|correct|behaves the same/i, 'The output fails on an empty input, an edge case the instruction mentions.'],
  [/names|language/i, 'The instruction does not say clearly which language the answer should be written in.'],
  [/explanation|code only/i, 'The output includes a sentence of explanation outside the code.'],
  [/self-contained|clear/i, 'The instruction relies on details of the source code that a reader would not have.'],
];

/**
 * Answers every rule of `rules`. When `reject`, the rule at `failingIndex` (taken modulo the number
 * of rules) is answered "no" with a reason fitting its wording and the verdict is "reject"; otherwise
 * every rule is "yes" and the verdict "accept". With no rules the verdict is always "accept".
 */
export function buildVerdict(rules: readonly DiscriminatorRule[], reject: boolean, failingIndex: number): Verdict {
  const failing = reject && rules.length > 0 ? failingIndex % rules.length : -1;
  return {
    rules: rules.map((rule, index) =>
      index === failing
        ? { rule: rule.number, answer: 'no', reason: failureReason(rule.text) }
        : { rule: rule.number, answer: 'yes', reason: `The sample follows this rule: ${lowerFirst(rule.text.replace(/\.$/, ''))}.` },
    ),
    verdict: failing === -1 ? 'accept' : 'reject',
  };
}

function failureReason(rule: string): string {
  return FAILURE_REASONS.find(([pattern]) => pattern.test(rule))?.[1] ?? `The sample does not fully meet this rule: ${lowerFirst(rule.replace(/\.$/, ''))}.`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
