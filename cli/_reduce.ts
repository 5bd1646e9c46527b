// `tessera reduce OP SRC`: a reduction streamed over the source; small
// results are printed, larger ones written to `-o`.

import type { NDArray } from "../core/ndarray.ts";
import { REDUCTION_NAMES, type ReductionName, SKIPNA_REDUCTIONS } from "../core/reduce.ts";
import { ORDER_REDUCTION_NAMES, type OrderReductionName } from "../core/sort.ts";
import { lazy, type LazyArray } from "../stream/lazy.ts";
import { nameLocator, parseInts, type Session, UsageError } from "./_session.ts";

/** Every OP of `tessera reduce`: the reductions of core/reduce.ts and the order statistics of core/sort.ts. */
export const REDUCE_OPS: readonly string[] = [...REDUCTION_NAMES, ...ORDER_REDUCTION_NAMES];

/** Results with at most this many elements may be printed instead of written. */
export const PRINT_LIMIT = 1000;

/** Options of `tessera reduce`. */
export interface ReduceCommandOptions {
  readonly axis?: string;
  readonly keepdims?: boolean;
  readonly ddof?: string;
  readonly q?: string;
  readonly skipna?: boolean;
  readonly noSkipna?: boolean;
  readonly output?: string;
  readonly overwrite?: boolean;
  readonly sync?: boolean;
}

/** The OPs that take `--skipna` / `--no-skipna`. */
const SKIPNA_OPS: readonly string[] = [...SKIPNA_REDUCTIONS, ...ORDER_REDUCTION_NAMES];

function isOrder(op: string): op is OrderReductionName {
  return (ORDER_REDUCTION_NAMES as readonly string[]).includes(op);
}

/** Checks an OP argument. */
export function checkOp(op: string): ReductionName | OrderReductionName {
  if (!REDUCE_OPS.includes(op)) {
    throw new UsageError(`Unknown reduction "${op}": expected one of ${REDUCE_OPS.join(", ")}`);
  }
  return op as ReductionName | OrderReductionName;
}

/** Parses `--q` (comma-separated numbers): one value, or a list when it has a comma. */
export function parseQ(text: string | undefined, op: string): number | number[] | undefined {
  if (!isOrder(op) || op === "median") {
    if (text !== undefined) {
      throw new UsageError(`Invalid --q for "${op}": only quantile and percentile take it`);
    }
    return undefined;
  }
  if (text === undefined) {
    throw new UsageError(
      `Missing --q for "${op}": give ${op === "quantile" ? "0.5" : "90"} or a list such as ${
        op === "quantile" ? "0.1,0.9" : "10,90"
      }`,
    );
  }
  const parts = text.split(",").map((t) => t.trim());
  const values = parts.map((t) => (t === "" ? NaN : Number(t)));
  const bad = parts.find((_, i) => !Number.isFinite(values[i]));
  if (bad !== undefined) throw new UsageError(`Invalid --q "${text}": "${bad}" is not a number`);
  return parts.length === 1 ? values[0] : values;
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
  const q = parseQ(options.q, name);
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
  if (isOrder(name)) {
    await orderCommand(session, a, name, q, source, {
      axes,
      keepdims: options.keepdims ?? false,
      skipna,
      output: options.output,
      overwrite: options.overwrite,
      sync: options.sync,
    });
    return;
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
      sync: options.sync,
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

/** `tessera reduce median|quantile|percentile`: exact order statistics out of core (stream/_quantile.ts). */
async function orderCommand(
  session: Session,
  a: LazyArray,
  name: OrderReductionName,
  q: number | number[] | undefined,
  source: string,
  o: {
    axes: number[] | null;
    keepdims: boolean;
    skipna?: boolean;
    output?: string;
    overwrite?: boolean;
    sync?: boolean;
  },
): Promise<void> {
  let value: NDArray;
  try {
    const run = session.run(`${name} ${source}`);
    const options = {
      axis: o.axes === null ? null : o.axes,
      keepdims: o.keepdims,
      skipna: o.skipna,
      memory: run.memory,
      comm: run.comm,
    };
    value = name === "median"
      ? await a.median(options)
      : name === "quantile"
      ? await a.quantile(q!, options)
      : await a.percentile(q!, options);
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) {
      throw new UsageError(`Cannot ${name} "${source}": ${e.message}`, { cause: e });
    }
    throw nameLocator(e, source, source, `Cannot compute ${name} of`);
  } finally {
    session.endProgress();
  }
  if (o.output !== undefined) {
    await session.write(lazy(value), o.output, {
      overwrite: o.overwrite,
      sync: o.sync,
      label: `${name} ${source}`,
    });
    if (session.options.json) {
      session.outJson({ op: name, source, q, axis: o.axes, output: o.output, shape: value.shape });
    }
    return;
  }
  if (session.options.json) {
    session.outJson({
      op: name,
      source,
      q,
      axis: o.axes,
      shape: value.shape,
      dtype: value.dtype,
      value: value.toArray(),
    });
  } else {
    session.out(formatTable(value));
  }
}
