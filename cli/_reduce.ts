// `tessera reduce OP SRC`: a reduction streamed over the source; small
// results are printed, larger ones written to `-o`.

import type { NDArray } from "../core/ndarray.ts";
import { REDUCTION_NAMES, type ReductionName } from "../core/reduce.ts";
import { nameLocator, parseInts, type Session, UsageError } from "./_session.ts";

/** Results with at most this many elements may be printed instead of written. */
export const PRINT_LIMIT = 1000;

/** Options of `tessera reduce`. */
export interface ReduceCommandOptions {
  readonly axis?: string;
  readonly keepdims?: boolean;
  readonly ddof?: string;
  readonly skipna?: boolean;
  readonly noSkipna?: boolean;
  readonly output?: string;
  readonly overwrite?: boolean;
}

/** The reductions that take `--skipna` / `--no-skipna`. */
const SKIPNA_OPS: readonly ReductionName[] = [
  "sum",
  "prod",
  "min",
  "max",
  "mean",
  "var",
  "std",
  "argmin",
  "argmax",
];

/** Checks an OP argument. */
export function checkOp(op: string): ReductionName {
  if (!(REDUCTION_NAMES as readonly string[]).includes(op)) {
    throw new UsageError(
      `Unknown reduction "${op}": expected one of ${REDUCTION_NAMES.join(", ")}`,
    );
  }
  return op as ReductionName;
}

/** Parses `--axis` against the number of dimensions (negative axes count from the end). */
export function parseAxes(text: string, ndim: number, source: string): number[] {
  const axes = parseInts(text, "--axis");
  const seen = new Set<number>();
  for (const a of axes) {
    if (a < -ndim || a >= ndim) {
      throw new UsageError(
        `Invalid --axis ${a}: "${source}" has ${ndim} dimension${ndim === 1 ? "" : "s"}`,
      );
    }
    const n = a < 0 ? a + ndim : a;
    if (seen.has(n)) throw new UsageError(`Invalid --axis "${text}": axis ${n} is repeated`);
    seen.add(n);
  }
  return axes;
}

const f16round = (Math as { f16round?: (x: number) => number }).f16round;

/**
 * An element as text. float32 and float16 values print with the fewest
 * digits that read back as the same value in their own precision (as NumPy
 * prints them: 0.12899646, not 0.12899646162986755).
 */
function valueText(v: unknown, dtype?: string): string {
  if (typeof v !== "number") return String(v);
  if (Number.isNaN(v)) return "nan";
  const round = dtype === "float32" ? Math.fround : dtype === "float16" ? f16round : undefined;
  if (round === undefined || !Number.isFinite(v)) return String(v);
  for (let p = 1; p < 17; p++) {
    const t = Number(v.toPrecision(p));
    if (round(t) === v) return String(t);
  }
  return String(v);
}

/** A result as text: a scalar alone, a 1-D or 2-D array as a table, higher ranks as index lines. */
export function formatTable(a: NDArray): string {
  if (a.ndim === 0) return valueText(a.get(), a.dtype);
  const rows: string[][] = [];
  if (a.ndim === 1) {
    rows.push(["index", "value"]);
    for (let i = 0; i < a.shape[0]; i++) rows.push([String(i), valueText(a.get(i), a.dtype)]);
  } else if (a.ndim === 2) {
    rows.push(["", ...Array.from({ length: a.shape[1] }, (_, j) => String(j))]);
    for (let i = 0; i < a.shape[0]; i++) {
      rows.push([
        String(i),
        ...Array.from({ length: a.shape[1] }, (_, j) => valueText(a.get(i, j), a.dtype)),
      ]);
    }
  } else {
    rows.push(["index", "value"]);
    const idx = a.shape.map(() => 0);
    for (let k = 0; k < a.size; k++) {
      rows.push([idx.join(","), valueText(a.get(...idx), a.dtype)]);
      for (let d = a.ndim - 1; d >= 0; d--) {
        if (++idx[d] < a.shape[d]) break;
        idx[d] = 0;
      }
    }
  }
  const width = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((c, j) => c.padStart(width[j])).join("  ").trimEnd()).join("\n");
}

/** Runs `tessera reduce`. */
export async function reduceCommand(
  session: Session,
  op: string,
  source: string,
  options: ReduceCommandOptions,
): Promise<void> {
  const name = checkOp(op);
  const ddof = options.ddof === undefined ? undefined : parseInts(options.ddof, "--ddof", 0)[0];
  if (ddof !== undefined && !/var|std/.test(name)) {
    throw new UsageError(`Invalid --ddof for "${name}": only var, std, nanvar and nanstd take it`);
  }
  if (options.skipna && options.noSkipna) {
    throw new UsageError(`Invalid options: --skipna and --no-skipna exclude each other`);
  }
  if ((options.skipna || options.noSkipna) && !SKIPNA_OPS.includes(name)) {
    throw new UsageError(`Invalid --skipna for "${name}": only ${SKIPNA_OPS.join(", ")} take it`);
  }
  const skipna = options.skipna ? true : options.noSkipna ? false : undefined;
  const a = await session.open(source);
  const axes = options.axis === undefined ? null : parseAxes(options.axis, a.ndim, source);
  if (axes !== null && axes.length > 1 && (name === "argmin" || name === "argmax")) {
    throw new UsageError(`Invalid --axis "${options.axis}": ${name} takes one axis or none`);
  }
  let r;
  try {
    r = a.reduce(name, {
      axis: axes === null ? null : axes.length === 1 ? axes[0] : axes,
      keepdims: options.keepdims ?? false,
      ddof,
      skipna,
    });
  } catch (e) {
    throw new UsageError(`Cannot ${name} "${source}": ${(e as Error).message}`, { cause: e });
  }
  if (options.output !== undefined) {
    await session.write(r, options.output, {
      overwrite: options.overwrite,
      label: `${name} ${source}`,
    });
    if (session.options.json) {
      session.outJson({
        op: name,
        source,
        axis: axes,
        output: options.output,
        shape: r.shape,
        dtype: r.dtype,
      });
    }
    return;
  }
  if (r.size > PRINT_LIMIT) {
    throw new UsageError(
      `The result of ${name} over "${source}" has shape [${
        r.shape.join(",")
      }] (${r.size} elements, more than ${PRINT_LIMIT} to print): write it with -o FILE`,
    );
  }
  let value: NDArray;
  try {
    value = await r.compute(session.run(`${name} ${source}`));
  } catch (e) {
    throw nameLocator(e, source, source, `Cannot compute ${name} of`);
  } finally {
    session.endProgress();
  }
  if (session.options.json) {
    session.outJson({
      op: name,
      source,
      axis: axes,
      shape: value.shape,
      dtype: value.dtype,
      value: value.toArray(),
    });
  } else {
    session.out(formatTable(value));
  }
}
