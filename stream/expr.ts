/**
 * The element-wise expressions of `tessera map` (`"sqrt(u*u + v*v)"`,
 * `"where(t > 273.15, t - 273.15, 0)"`): a hand-written parser to a small
 * AST with source positions ({@link parseExpression}), a printer
 * ({@link formatExpression}), the variables an expression uses
 * ({@link variables}) and a generic fold ({@link evaluate}) that maps the
 * AST onto arrays, lazy arrays or anything else. Nothing is ever evaluated
 * as JavaScript.
 *
 * Grammar, loosest first (all binary operators are left-associative except
 * `**`):
 *
 * | level | operators | NumPy ufunc |
 * | --- | --- | --- |
 * | 1 | `\|` | bitwise_or |
 * | 2 | `^` | bitwise_xor |
 * | 3 | `&` | bitwise_and |
 * | 4 | `<` `<=` `>` `>=` `==` `!=` (not chained) | less, ..., not_equal |
 * | 5 | `<<` `>>` | left_shift, right_shift |
 * | 6 | `+` `-` | add, subtract |
 * | 7 | `*` `/` `//` `%` | multiply, divide, floor_divide, remainder |
 * | 8 | unary `-` `+` `~` | negative, positive, invert |
 * | 9 | `**` (right-associative; `-x ** 2` is `-(x ** 2)`, `2 ** -1` is allowed) | power |
 *
 * and then literals, names, calls `f(a, b)` and parentheses. Literals are
 * decimal integers (`3`), floats (`1.5`, `.5`, `1.`, `1e-3`), `inf`, `nan`,
 * `True` and `False`.
 *
 * Comparisons bind tighter than `&`, `^` and `|`, so that a mask reads as
 * it is meant: `a >= 0 & b < 1` is `(a >= 0) & (b < 1)`. This differs from
 * Python, where `&` binds tighter and the same text is a chained comparison.
 * Comparisons do not chain: `a < b < c` is an error.
 *
 * @module
 */

import { DTYPE_NAMES } from "../core/dtype.ts";
import { UFUNCS } from "../core/ufunc.ts";
import { closest, fold } from "./_expr_fold.ts";

/** A binary operator. */
export type BinaryOp =
  | "|"
  | "^"
  | "&"
  | "<"
  | "<="
  | ">"
  | ">="
  | "=="
  | "!="
  | "<<"
  | ">>"
  | "+"
  | "-"
  | "*"
  | "/"
  | "//"
  | "%"
  | "**";

/** A unary operator. */
export type UnaryOp = "-" | "+" | "~";

/** Where a node is in the text: 0-based offsets, `end` exclusive. */
export interface Span {
  /** Offset of the node's first character. */
  readonly start: number;
  /** Offset just past the node's last character. */
  readonly end: number;
}

/**
 * A literal. `float` is true for literals written as floats (`1.0`,
 * `1e3`, `inf`, `nan`), so that `x * 2` and `x * 2.0` can get NumPy's
 * different result dtypes. Integers beyond 2^53 are bigints.
 */
export interface NumNode extends Span {
  /** The node kind. */
  readonly kind: "num";
  /** The value; a boolean for `True` and `False`. */
  readonly value: number | bigint | boolean;
  /** Whether the literal was written as a float. */
  readonly float: boolean;
}

/** A variable. */
export interface NameNode extends Span {
  /** The node kind. */
  readonly kind: "name";
  /** The variable's name. */
  readonly name: string;
}

/** A function call. */
export interface CallNode extends Span {
  /** The node kind. */
  readonly kind: "call";
  /** The function's name, as written. */
  readonly name: string;
  /** The arguments. */
  readonly args: readonly ExprNode[];
}

/** A unary operation. */
export interface UnaryNode extends Span {
  /** The node kind. */
  readonly kind: "unary";
  /** The operator. */
  readonly op: UnaryOp;
  /** The operand. */
  readonly arg: ExprNode;
}

/** A binary operation. */
export interface BinaryNode extends Span {
  /** The node kind. */
  readonly kind: "binary";
  /** The operator. */
  readonly op: BinaryOp;
  /** Offset of the operator. */
  readonly opStart: number;
  /** The left operand. */
  readonly left: ExprNode;
  /** The right operand. */
  readonly right: ExprNode;
}

/** A node of an expression's syntax tree. */
export type ExprNode = NumNode | NameNode | CallNode | UnaryNode | BinaryNode;

/** How many arguments a function takes: an exact number or `[min, max]`. */
export interface FunctionSpec {
  /** Exact count, or the inclusive range `[min, max]`. */
  readonly arity: number | readonly [number, number];
}

/** Options of {@link parseExpression}. */
export interface ParseExpressionOptions {
  /** The functions that may be called, by name (default {@link EXPRESSION_FUNCTIONS}). */
  readonly functions?: Readonly<Record<string, FunctionSpec>>;
  /**
   * The most operators and calls the expression may have (default
   * {@link MAX_EXPRESSION_OPERATIONS}); more is an {@link ExpressionSyntaxError}.
   */
  readonly maxOperations?: number;
}

/**
 * The default limit on the operators and calls of one expression. Parsing
 * and the folds of this module handle any length (a flat `a + a + ... + a`
 * is parsed in a loop and folded without recursion), but the lazy graph an
 * expression becomes is walked recursively by the planner and executor,
 * which overflow the stack at about 5000 chained operations; the limit
 * keeps a 4x margin below that and turns an absurd expression into a clear
 * error instead of "Maximum call stack size exceeded".
 */
export const MAX_EXPRESSION_OPERATIONS = 1000;

/** The most nested parentheses, calls, unary operators or `**` exponents. */
export const MAX_EXPRESSION_DEPTH = 200;

/** The NumPy ufunc of each binary operator. */
export const BINARY_UFUNCS: Readonly<Record<BinaryOp, string>> = Object.freeze({
  "|": "bitwise_or",
  "^": "bitwise_xor",
  "&": "bitwise_and",
  "<": "less",
  "<=": "less_equal",
  ">": "greater",
  ">=": "greater_equal",
  "==": "equal",
  "!=": "not_equal",
  "<<": "left_shift",
  ">>": "right_shift",
  "+": "add",
  "-": "subtract",
  "*": "multiply",
  "/": "divide",
  "//": "floor_divide",
  "%": "remainder",
  "**": "power",
});

/** The NumPy ufunc of each unary operator. */
export const UNARY_UFUNCS: Readonly<Record<UnaryOp, string>> = Object.freeze({
  "-": "negative",
  "+": "positive",
  "~": "invert",
});

/**
 * The functions an expression may call by default: every element-wise
 * function of `core/ufunc.ts` by its NumPy name (`sqrt`, `arctan2`,
 * `floor_divide`, `where`, `clip`, the aliases `abs`, `mod`, ...), and one
 * cast per dtype (`float32(x)`, `int64(x)`, `bool(x)`).
 */
export const EXPRESSION_FUNCTIONS: Readonly<Record<string, FunctionSpec>> = Object.freeze({
  ...Object.fromEntries(Object.entries(UFUNCS).map(([name, u]) => [name, { arity: u.arity }])),
  ...Object.fromEntries(DTYPE_NAMES.map((d) => [d, { arity: 1 }])),
});

/**
 * An expression that does not parse, or calls an unknown function or with
 * the wrong number of arguments. The message shows the expression with a
 * caret under `column`.
 *
 * @example
 * ```ts
 * import { ExpressionSyntaxError } from "./expr.ts";
 * import assert from "node:assert/strict";
 * const e = new ExpressionSyntaxError("a + * b", 5, 'expected an expression, found "*"');
 * assert.equal(
 *   e.message,
 *   'Cannot parse expression at column 5: expected an expression, found "*"\n  a + * b\n      ^',
 * );
 * ```
 */
export class ExpressionSyntaxError extends SyntaxError {
  /** The whole expression. */
  readonly expression: string;
  /** 1-based column of the offending character (length + 1 for the end). */
  readonly column: number;
  /** What is wrong, without the position. */
  readonly detail: string;
  /**
   * Makes the error and its message.
   *
   * @param expression The whole expression.
   * @param column 1-based column of the problem.
   * @param detail What is wrong.
   * @param options The underlying cause, if any.
   */
  constructor(expression: string, column: number, detail: string, options?: ErrorOptions) {
    // a long expression is shown as the 80 characters around the column
    let shown = expression.replace(/[\t\n\r]/g, " ");
    let caret = Math.max(0, column - 1);
    if (shown.length > 80) {
      const from = Math.max(0, Math.min(caret - 40, shown.length - 80));
      shown = `${from > 0 ? "..." : ""}${shown.slice(from, from + 80)}${
        from + 80 < shown.length ? "..." : ""
      }`;
      caret += (from > 0 ? 3 : 0) - from;
    }
    super(
      `Cannot parse expression at column ${column}: ${detail}\n  ${shown}\n  ${" ".repeat(caret)}^`,
      options,
    );
    this.name = "ExpressionSyntaxError";
    this.expression = expression;
    this.column = column;
    this.detail = detail;
  }
}

const LEVEL: Readonly<Record<BinaryOp, number>> = {
  "|": 1,
  "^": 2,
  "&": 3,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "==": 4,
  "!=": 4,
  "<<": 5,
  ">>": 5,
  "+": 6,
  "-": 6,
  "*": 7,
  "/": 7,
  "//": 7,
  "%": 7,
  "**": 9,
};
const COMPARE = 4;
const UNARY = 8;
const POWER = 9;
const ATOM = 10;

interface Token {
  readonly type: "num" | "name" | "op" | "(" | ")" | "," | "end";
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const OPERATORS = [
  "**",
  "//",
  "<<",
  ">>",
  "<=",
  ">=",
  "==",
  "!=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "&",
  "|",
  "^",
  "~",
  "<",
  ">",
];
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const WORD = /[\w.]*/y;
const KEYWORDS = new Set(["and", "or", "not", "if", "else", "lambda", "in", "is"]);
const HINTS: Readonly<Record<string, string>> = {
  "=": 'use "==" to compare',
  "!": 'use "~" for element-wise not',
  "and": 'use "&" for element-wise and',
  "or": 'use "|" for element-wise or',
  "not": 'use "~" for element-wise not',
};

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (/[0-9.]/.test(c)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) throw new ExpressionSyntaxError(text, i + 1, `unexpected character "${c}"`);
      const end = i + m[0].length;
      // "1e5x", "1.2.3", "2x": a number runs into letters or another dot
      if (/[\w.]/.test(text[end] ?? "")) {
        WORD.lastIndex = end;
        const rest = (WORD.exec(text) as RegExpExecArray)[0];
        throw new ExpressionSyntaxError(text, i + 1, `invalid number "${m[0]}${rest}"`);
      }
      out.push({ type: "num", text: m[0], start: i, end });
      i = end;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      NAME.lastIndex = i;
      const m = NAME.exec(text) as RegExpExecArray;
      out.push({ type: "name", text: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
      continue;
    }
    if (c === "(" || c === ")" || c === ",") {
      out.push({ type: c, text: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op === undefined) {
      const hint = HINTS[c];
      throw new ExpressionSyntaxError(
        text,
        i + 1,
        `unexpected character "${c}"${hint ? `: ${hint}` : ""}`,
      );
    }
    out.push({ type: "op", text: op, start: i, end: i + op.length });
    i += op.length;
  }
  out.push({ type: "end", text: "", start: text.length, end: text.length });
  return out;
}

class Parser {
  #text: string;
  #tokens: Token[];
  #at = 0;
  #depth = 0;
  #operations = 0;
  #maxOperations: number;
  #functions: Readonly<Record<string, FunctionSpec>>;

  constructor(
    text: string,
    functions: Readonly<Record<string, FunctionSpec>>,
    maxOperations: number,
  ) {
    this.#text = text;
    this.#tokens = tokenize(text);
    this.#functions = functions;
    this.#maxOperations = maxOperations;
  }

  /** Counts one operator or call at token `t`. */
  #operation(t: Token): void {
    if (++this.#operations > this.#maxOperations) {
      throw this.#error(
        t,
        `the expression has more than ${this.#maxOperations} operators and calls: ` +
          `split it into several "tessera map" steps`,
      );
    }
  }

  parse(): ExprNode {
    if (this.#peek().type === "end") {
      throw this.#error(this.#peek(), "the expression is empty");
    }
    const node = this.#binary(1);
    const t = this.#peek();
    if (t.type !== "end") {
      const hint = HINTS[t.text];
      throw this.#error(
        t,
        `expected an operator or the end, found ${describe(t)}${hint ? `: ${hint}` : ""}`,
      );
    }
    return node;
  }

  #peek(): Token {
    return this.#tokens[this.#at];
  }

  #next(): Token {
    return this.#tokens[this.#at++];
  }

  #error(t: Token, detail: string): ExpressionSyntaxError {
    return new ExpressionSyntaxError(this.#text, t.start + 1, detail);
  }

  #binary(level: number): ExprNode {
    if (level >= UNARY) return this.#unary();
    let left = this.#binary(level + 1);
    let compared = false;
    for (;;) {
      const t = this.#peek();
      if (t.type !== "op" || LEVEL[t.text as BinaryOp] !== level) return left;
      this.#next();
      this.#operation(t);
      if (level === COMPARE && compared) {
        throw this.#error(
          t,
          `comparisons cannot be chained: use parentheses and "&", as in "(a < b) & (b < c)"`,
        );
      }
      if (t.text === "&" || t.text === "|") {
        const u = this.#peek();
        if (u.type === "op" && u.text === t.text && u.start === t.end) {
          throw this.#error(t, `unexpected "${t.text}${t.text}": use "${t.text}"`);
        }
      }
      const right = this.#binary(level + 1);
      compared = true;
      left = {
        kind: "binary",
        op: t.text as BinaryOp,
        opStart: t.start,
        left,
        right,
        start: left.start,
        end: right.end,
      };
    }
  }

  #unary(): ExprNode {
    const t = this.#peek();
    if (t.type === "op" && (t.text === "-" || t.text === "+" || t.text === "~")) {
      this.#next();
      this.#operation(t);
      const arg = this.#nested(t, () => this.#unary());
      return { kind: "unary", op: t.text, arg, start: t.start, end: arg.end };
    }
    return this.#power();
  }

  #power(): ExprNode {
    const base = this.#atom();
    const t = this.#peek();
    if (t.type !== "op" || t.text !== "**") return base;
    this.#next();
    this.#operation(t);
    const exponent = this.#nested(t, () => this.#unary());
    return {
      kind: "binary",
      op: "**",
      opStart: t.start,
      left: base,
      right: exponent,
      start: base.start,
      end: exponent.end,
    };
  }

  #nested<T>(t: Token, f: () => T): T {
    if (++this.#depth > MAX_EXPRESSION_DEPTH) {
      throw this.#error(
        t,
        `the expression is nested more than ${MAX_EXPRESSION_DEPTH} levels deep`,
      );
    }
    try {
      return f();
    } finally {
      this.#depth--;
    }
  }

  #atom(): ExprNode {
    const t = this.#next();
    switch (t.type) {
      case "num":
        return numberNode(this.#text, t);
      case "name": {
        if (KEYWORDS.has(t.text)) {
          const hint = HINTS[t.text];
          throw this.#error(t, `unexpected keyword "${t.text}"${hint ? `: ${hint}` : ""}`);
        }
        if (t.text === "True" || t.text === "False") {
          return {
            kind: "num",
            value: t.text === "True",
            float: false,
            start: t.start,
            end: t.end,
          };
        }
        if (t.text === "inf" || t.text === "nan") {
          return {
            kind: "num",
            value: t.text === "inf" ? Infinity : NaN,
            float: true,
            start: t.start,
            end: t.end,
          };
        }
        if (this.#peek().type !== "(") return { kind: "name", name: t.text, ...span(t) };
        return this.#call(t);
      }
      case "(": {
        const inner = this.#nested(t, () => this.#binary(1));
        const close = this.#next();
        if (close.type !== ")") {
          throw this.#error(
            close,
            `expected ")" to close "(" at column ${t.start + 1}, found ${describe(close)}`,
          );
        }
        // parentheses only group: the node keeps its own span
        return inner;
      }
      default: {
        const hint = HINTS[t.text];
        throw this.#error(
          t,
          `expected an expression, found ${describe(t)}${hint ? `: ${hint}` : ""}`,
        );
      }
    }
  }

  #call(name: Token): CallNode {
    const spec = Object.hasOwn(this.#functions, name.text) ? this.#functions[name.text] : null;
    if (spec === null) {
      const near = closest(name.text, Object.keys(this.#functions));
      throw this.#error(
        name,
        `unknown function "${name.text}"${near ? `: did you mean "${near}"?` : ""}`,
      );
    }
    this.#operation(name);
    const open = this.#next();
    const args: ExprNode[] = [];
    if (this.#peek().type !== ")") {
      for (;;) {
        args.push(this.#nested(open, () => this.#binary(1)));
        const t = this.#peek();
        if (t.type === ",") {
          this.#next();
          continue;
        }
        if (t.type === ")") break;
        throw this.#error(
          t,
          `expected "," or ")" to close "(" at column ${open.start + 1}, found ${describe(t)}`,
        );
      }
    }
    const close = this.#next();
    const [lo, hi] = typeof spec.arity === "number" ? [spec.arity, spec.arity] : spec.arity;
    if (args.length < lo || args.length > hi) {
      const want = lo === hi ? `${lo}` : `${lo} to ${hi}`;
      throw this.#error(
        name,
        `function "${name.text}" takes ${want} argument${hi === 1 ? "" : "s"}, got ${args.length}`,
      );
    }
    return { kind: "call", name: name.text, args, start: name.start, end: close.end };
  }
}

function span(t: Token): Span {
  return { start: t.start, end: t.end };
}

function describe(t: Token): string {
  return t.type === "end" ? "the end" : `"${t.text}"`;
}

function numberNode(text: string, t: Token): NumNode {
  const float = /[.eE]/.test(t.text);
  if (float) return { kind: "num", value: Number(t.text), float, ...span(t) };
  const big = BigInt(t.text);
  if (big >= 2n ** 64n) {
    throw new ExpressionSyntaxError(
      text,
      t.start + 1,
      `integer ${t.text} does not fit in 64 bits: write it as a float, as in "${t.text}.0"`,
    );
  }
  const value = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  return { kind: "num", value, float: false, ...span(t) };
}

/**
 * Parses an element-wise expression (see the module doc for the grammar).
 * Calls are checked against `functions`: the name must be there and the
 * number of arguments must fit its arity.
 *
 * @param text The expression, e.g. `"sqrt(u*u + v*v)"`.
 * @param options `functions`: the callable names and their arities.
 * @returns The syntax tree.
 * @throws {ExpressionSyntaxError} When the text does not parse, or a call is
 *   unknown or has the wrong number of arguments; `column` points at it.
 *
 * @example
 * ```ts
 * import { parseExpression } from "./expr.ts";
 * import assert from "node:assert/strict";
 * const ast = parseExpression("-x ** 2");
 * assert.equal(ast.kind, "unary");
 * assert.equal(ast.kind === "unary" && ast.arg.kind === "binary" && ast.arg.op, "**");
 * assert.throws(() => parseExpression("sqrt(u*u + v*v"), { column: 15 });
 * assert.throws(() => parseExpression("f(x)", { functions: { g: { arity: 1 } } }), {
 *   name: "ExpressionSyntaxError",
 *   column: 1,
 * });
 * ```
 */
export function parseExpression(text: string, options: ParseExpressionOptions = {}): ExprNode {
  if (typeof text !== "string") {
    throw new TypeError(`Invalid expression ${String(text)}: expected a string`);
  }
  const max = options.maxOperations ?? MAX_EXPRESSION_OPERATIONS;
  if (!Number.isInteger(max) || max < 0) {
    throw new RangeError(`Invalid maxOperations ${max}: expected an integer >= 0`);
  }
  return new Parser(text, options.functions ?? EXPRESSION_FUNCTIONS, max).parse();
}

/**
 * The variable names an expression uses, each once, in order of first use.
 *
 * @param ast A syntax tree.
 * @returns The names.
 *
 * @example
 * ```ts
 * import { parseExpression, variables } from "./expr.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(variables(parseExpression("where(t > 0, t, u * t)")), ["t", "u"]);
 * ```
 */
export function variables(ast: ExprNode): string[] {
  const seen = new Set<string>();
  fold<null>(ast, (n) => {
    if (n.kind === "name") seen.add(n.name);
    return null;
  });
  return [...seen];
}

/** The folding functions of {@link evaluate}, one per node kind. */
export interface ExpressionEnv<T> {
  /** A literal. */
  num(value: number | bigint | boolean, node: NumNode): T;
  /** A variable. */
  name(name: string, node: NameNode): T;
  /** A call, with its evaluated arguments. */
  call(name: string, args: T[], node: CallNode): T;
  /** A unary operation (`UNARY_UFUNCS[op]` names the ufunc). */
  unary(op: UnaryOp, x: T, node: UnaryNode): T;
  /** A binary operation (`BINARY_UFUNCS[op]` names the ufunc). */
  binary(op: BinaryOp, left: T, right: T, node: BinaryNode): T;
}

/**
 * Folds a syntax tree bottom-up, left to right: every node becomes what its
 * `env` function makes of it and of its operands' results.
 *
 * @param ast A syntax tree.
 * @param env One function per node kind.
 * @returns The root's result.
 *
 * @example
 * ```ts
 * import { BINARY_UFUNCS, evaluate, parseExpression } from "./expr.ts";
 * import assert from "node:assert/strict";
 * const text = evaluate(parseExpression("(a + b) / 2"), {
 *   num: (v) => String(v),
 *   name: (n) => n,
 *   call: (f, args) => `${f}(${args.join(", ")})`,
 *   unary: (op, x) => `${op}${x}`,
 *   binary: (op, l, r) => `${BINARY_UFUNCS[op]}(${l}, ${r})`,
 * });
 * assert.equal(text, "divide(add(a, b), 2)");
 * ```
 */
export function evaluate<T>(ast: ExprNode, env: ExpressionEnv<T>): T {
  return fold<T>(ast, (n, args) => {
    switch (n.kind) {
      case "num":
        return env.num(n.value, n);
      case "name":
        return env.name(n.name, n);
      case "call":
        return env.call(n.name, args, n);
      case "unary":
        return env.unary(n.op, args[0], n);
      case "binary":
        return env.binary(n.op, args[0], args[1], n);
    }
  });
}

function levelOf(n: ExprNode): number {
  if (n.kind === "binary") return LEVEL[n.op];
  if (n.kind === "unary") return UNARY;
  if (n.kind === "num" && typeof n.value === "number" && (n.value < 0 || Object.is(n.value, -0))) {
    return UNARY; // printed with a sign
  }
  if (n.kind === "num" && typeof n.value === "bigint" && n.value < 0n) return UNARY;
  return ATOM;
}

function formatNumber(n: NumNode): string {
  const v = n.value;
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "bigint") return v.toString();
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  const s = Object.is(v, -0) ? "-0" : String(v);
  if (!n.float) return s;
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/**
 * Prints a syntax tree as an expression with as few parentheses as the
 * grammar needs; `parseExpression(formatExpression(ast))` gives back the
 * same tree (positions aside). Operators are spaced (`a + b`), except `**`.
 *
 * @param ast A syntax tree.
 * @returns The expression text.
 *
 * @example
 * ```ts
 * import { formatExpression, parseExpression } from "./expr.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatExpression(parseExpression("((a+b))*(c)")), "(a + b) * c");
 * assert.equal(formatExpression(parseExpression("(-x)**2 + -(x**2)")), "(-x)**2 + -x**2");
 * ```
 */
export function formatExpression(ast: ExprNode): string {
  const wrap = (text: string, paren: boolean): string => paren ? `(${text})` : text;
  return fold<string>(ast, (n, args) => {
    switch (n.kind) {
      case "num":
        return formatNumber(n);
      case "name":
        return n.name;
      case "call":
        return `${n.name}(${args.join(", ")})`;
      case "unary":
        return `${n.op}${wrap(args[0], levelOf(n.arg) < UNARY)}`;
      case "binary": {
        const p = LEVEL[n.op];
        const l = levelOf(n.left);
        const r = levelOf(n.right);
        if (p === POWER) return `${wrap(args[0], l <= POWER)}**${wrap(args[1], r < UNARY)}`;
        const left = wrap(args[0], p === COMPARE ? l <= p : l < p);
        return `${left} ${n.op} ${wrap(args[1], r <= p)}`;
      }
    }
  });
}
