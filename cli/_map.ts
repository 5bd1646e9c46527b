// `tessera map EXPR NAME=LOCATOR... -o DST`: an element-wise expression,
// parsed by stream/expr.ts (never evaluated as JavaScript) and folded into
// the lazy graph, then streamed to the output.

import { castScalar, type DType, DTYPES, type Scalar } from "../core/dtype.ts";
import {
  BINARY_UFUNCS,
  evaluate,
  ExpressionSyntaxError,
  type ExprNode,
  parseExpression,
  UNARY_UFUNCS,
  variables,
} from "../stream/expr.ts";
import { UFUNCS } from "../core/ufunc.ts";
import { LazyArray, ufunc } from "../stream/mod.ts";
import { checkCodec } from "./_convert.ts";
import { checkLocator, parseChunks, parseDType, type Session, UsageError } from "./_session.ts";

/** Options of `tessera map`. */
export interface MapOptions {
  readonly output: string;
  readonly dtype?: string;
  readonly chunks?: string;
  readonly codec?: string;
  readonly pack?: boolean;
  readonly overwrite?: boolean;
  readonly sync?: boolean;
}

/** An expression that does not parse or names an unbound array (exit code 2, with a caret). */
export class ExpressionUsageError extends UsageError {
  /** 1-based column of the problem. */
  readonly column: number;
  /**
   * @param message The message, ending with the expression and a caret line.
   * @param column 1-based column of the problem.
   * @param options The cause.
   */
  constructor(message: string, column: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "ExpressionUsageError";
    this.column = column;
  }

  /** From the parser's own error. */
  static of(e: ExpressionSyntaxError): ExpressionUsageError {
    return new ExpressionUsageError(e.message, e.column, { cause: e });
  }
}

type Value = LazyArray | Scalar;

function parseBindings(bindings: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const b of bindings) {
    const eq = b.indexOf("=");
    const name = eq < 0 ? "" : b.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || eq === b.length - 1) {
      throw new UsageError(`Invalid binding "${b}": expected NAME=LOCATOR, as in u=wind.zarr:/u`);
    }
    if (out.has(name)) throw new UsageError(`Invalid binding "${b}": "${name}" is bound twice`);
    out.set(name, b.slice(eq + 1));
  }
  return out;
}

function at(expr: string, node: ExprNode, detail: string, cause?: unknown): ExpressionUsageError {
  const column = node.kind === "binary" ? node.opStart + 1 : node.start + 1;
  const shown = expr.replace(/[\t\n\r]/g, " ");
  return new ExpressionUsageError(
    `Cannot evaluate expression at column ${column}: ${detail}\n  ${shown}\n  ${
      " ".repeat(column - 1)
    }^`,
    column,
    { cause },
  );
}

/** Runs `tessera map`. */
export async function mapCommand(
  session: Session,
  expr: string,
  bindings: readonly string[],
  o: MapOptions,
): Promise<void> {
  checkLocator(o.output);
  checkCodec(o.codec, o.output);
  const dtype = o.dtype === undefined ? undefined : parseDType(o.dtype);
  const chunks = o.chunks === undefined ? undefined : parseChunks(o.chunks);
  let ast: ExprNode;
  try {
    ast = parseExpression(expr);
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) throw ExpressionUsageError.of(e);
    throw e;
  }
  const bound = parseBindings(bindings);
  const used = variables(ast);
  for (const name of bound.keys()) {
    if (!used.includes(name)) {
      throw new UsageError(
        `Unused binding "${name}=${bound.get(name)}": the expression uses ${
          used.length ? used.map((u) => `"${u}"`).join(", ") : "no arrays"
        }`,
      );
    }
  }
  if (used.length === 0) {
    throw new UsageError(`The expression "${expr}" uses no arrays: bind at least one NAME=LOCATOR`);
  }
  // check every name before opening anything
  evaluate<null>(ast, {
    num: () => null,
    name: (name, node) => {
      if (!bound.has(name)) {
        throw at(expr, node, `unknown name "${name}": bind it as ${name}=LOCATOR`);
      }
      return null;
    },
    call: () => null,
    unary: () => null,
    binary: () => null,
  });
  const arrays = new Map<string, LazyArray>();
  for (const [name, locator] of bound) arrays.set(name, await session.open(locator));

  const apply = (name: string, args: Value[], node: ExprNode): Value => {
    try {
      if (name in DTYPES) {
        const x = args[0];
        return x instanceof LazyArray ? x.astype(name as DType) : castScalar(name as DType, x);
      }
      if (name === "positive") return args[0];
      if (args.every((a) => !(a instanceof LazyArray))) {
        // constants fold at once, like Python's own arithmetic on numbers
        const entry = UFUNCS[name];
        if (!entry) throw new TypeError(`Unknown function "${name}"`);
        return entry.fn(...(args as Scalar[])).get() as Scalar;
      }
      return ufunc(name, ...args);
    } catch (e) {
      throw at(expr, node, `cannot apply ${name}: ${(e as Error).message}`, e);
    }
  };
  const result = evaluate<Value>(ast, {
    num: (v) => v,
    name: (n) => arrays.get(n) as LazyArray,
    call: (f, args, node) => apply(f, args, node),
    unary: (op, x, node) => apply(UNARY_UFUNCS[op], [x], node),
    binary: (op, l, r, node) => apply(BINARY_UFUNCS[op], [l, r], node),
  });
  if (!(result instanceof LazyArray)) {
    throw new UsageError(`The expression "${expr}" is a constant`);
  }
  if (chunks !== undefined && chunks.length !== result.ndim) {
    throw new UsageError(
      `Invalid --chunks "${o.chunks}": ${chunks.length} values for the result of shape [${
        result.shape.join(",")
      }]`,
    );
  }
  await session.write(result, o.output, {
    dtype,
    chunks,
    codec: o.codec,
    pack: o.pack,
    overwrite: o.overwrite,
    sync: o.sync,
    label: `map ${o.output}`,
  });
  if (session.options.json) {
    session.outJson({
      expression: expr,
      output: o.output,
      shape: result.shape,
      dtype: dtype ?? result.dtype,
    });
  }
}
