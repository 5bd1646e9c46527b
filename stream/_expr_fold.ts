// Helpers of stream/expr.ts: the iterative fold over a syntax tree (no
// recursion per node, so a flat chain of thousands of operators is safe) and
// the "did you mean" lookup of unknown function names.

import type { ExprNode } from "./expr.ts";

/** The closest of `names` to `name` by edit distance, if close enough. */
export function closest(name: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const n of names) {
    const d = editDistance(name, n);
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur.push(
        Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)),
      );
    }
    prev = cur;
  }
  return prev[b.length];
}

function operands(n: ExprNode): readonly ExprNode[] {
  switch (n.kind) {
    case "call":
      return n.args;
    case "unary":
      return [n.arg];
    case "binary":
      return [n.left, n.right];
    default:
      return [];
  }
}

/**
 * Folds a tree bottom-up, operands left to right, with an explicit stack:
 * a left-deep chain of any length never deepens the call stack.
 */
export function fold<T>(ast: ExprNode, f: (n: ExprNode, args: T[]) => T): T {
  const values: T[] = [];
  const stack: { n: ExprNode; expanded: boolean }[] = [{ n: ast, expanded: false }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const ops = operands(top.n);
    if (!top.expanded && ops.length) {
      top.expanded = true;
      for (let i = ops.length - 1; i >= 0; i--) stack.push({ n: ops[i], expanded: false });
      continue;
    }
    stack.pop();
    values.push(f(top.n, values.splice(values.length - ops.length, ops.length)));
  }
  return values[0];
}
