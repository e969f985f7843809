/**
 * A trie over vocabulary strings by UTF-16 unit, for WordPiece's longest match: walking forward
 * from a position finds the longest vocabulary entry there in one pass, with no substring built,
 * where trying every end from the longest down would slice and hash up to `longest` candidates.
 */

/** One node: the id of the string that ends here (-1: none) and the next units. */
interface TrieNode {
  id: number;
  next: Map<number, TrieNode> | undefined;
}

/** Longest-match lookups over a set of strings with ids. */
export class VocabularyTrie {
  private readonly root: TrieNode = { id: -1, next: undefined };

  /** Adds `text` (non-empty) with `id`. */
  add(text: string, id: number): void {
    let node = this.root;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      node.next ??= new Map();
      let child = node.next.get(unit);
      if (child === undefined) {
        child = { id: -1, next: undefined };
        node.next.set(unit, child);
      }
      node = child;
    }
    node.id = id;
  }

  /**
   * The longest entry that `text` has at `start` and that ends on a code point boundary: its end
   * (exclusive) and id, written to `match`; false when none.
   */
  longestAt(text: string, start: number, match: { end: number; id: number }): boolean {
    let node: TrieNode | undefined = this.root;
    let found = false;
    for (let i = start; i < text.length; i++) {
      node = node.next?.get(text.charCodeAt(i));
      if (node === undefined) break;
      if (node.id >= 0 && !splitsPair(text, i + 1)) {
        match.end = i + 1;
        match.id = node.id;
        found = true;
      }
    }
    return found;
  }
}

/** Whether `end` falls between the two halves of a surrogate pair (the reference slices by code point). */
function splitsPair(text: string, end: number): boolean {
  if (end >= text.length) return false;
  const before = text.charCodeAt(end - 1);
  const after = text.charCodeAt(end);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}
