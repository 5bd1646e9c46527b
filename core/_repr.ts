// NumPy's text forms of an array: `repr` (`array([[0, 1], [2, 3]], dtype=int32)`,
// what `console.log` shows) and `str` (`[[0 1] [2 3]]`, what `String(a)` gives),
// following numpy/core/arrayprint.py's defaults: precision 8 with the
// fewest digits that round-trip ('maxprec'), scientific notation when the
// largest magnitude is >= 1e8 or the smallest nonzero < 1e-4 or their ratio
// > 1000, columns aligned, rows wrapped at 75 characters, and arrays of more
// than 1000 elements summarised to 3 items at each edge of every axis.
// In scientific notation the mantissas are padded with zeros, in positional
// notation the fractions with spaces, as NumPy does.

import type { Complex, DType } from "./dtype.ts";

type Value = number | bigint | boolean | Complex;

/** What the formatter needs of an array: a view it can index. */
export interface Printable {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** The element at a multi-index. */
  get(...index: number[]): Value;
}

const LINE_WIDTH = 75;
const THRESHOLD = 1000;
const EDGE = 3;
const PRECISION = 8;
// dtypes NumPy's repr leaves unnamed on a 64-bit Linux
const IMPLICIT: ReadonlySet<string> = new Set(["float64", "int64", "bool", "complex128"]);

/** The indices shown along an axis of length `n` (-1 marks the "..."). */
function shownIndices(n: number, summarise: boolean): number[] {
  if (!summarise || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
  return [0, 1, 2, -1, n - 3, n - 2, n - 1];
}

/** Every element that will be printed (for the common column width). */
function collect(a: Printable, summarise: boolean): Value[] {
  const out: Value[] = [];
  const idx: number[] = [];
  const walk = (axis: number): void => {
    if (axis === a.shape.length) {
      out.push(a.get(...idx));
      return;
    }
    for (const i of shownIndices(a.shape[axis], summarise)) {
      if (i < 0) continue;
      idx[axis] = i;
      walk(axis + 1);
    }
  };
  walk(0);
  return out;
}

/** The double nearest the shortest decimal that rounds to the float32 `x`. */
function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let p = 1; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return Number(x.toPrecision(9));
}

/** The digits of `x` with at most `PRECISION` after the point, trailing zeros removed. */
function positional(x: number): string {
  let s = Math.abs(x).toFixed(PRECISION).replace(/0+$/, "");
  const shortest = String(Math.abs(x));
  if (!/e/.test(shortest) && shortest.length < s.length) s = shortest;
  if (!s.includes(".")) s += ".";
  return (x < 0 || Object.is(x, -0) ? "-" : "") + s;
}

/** Mantissa digits (at most `PRECISION` after the point) and exponent of `x`. */
function scientific(x: number, expDigits = 2): [string, string] {
  const [m, e] = Math.abs(x).toExponential(PRECISION).split("e");
  let mant = m.replace(/0+$/, "");
  const shortest = Math.abs(x).toExponential().split("e")[0];
  if (shortest.length < mant.length) mant = shortest;
  if (!mant.includes(".")) mant += ".";
  const n = Number(e);
  const exp = `e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(expDigits, "0")}`;
  return [(x < 0 || Object.is(x, -0) ? "-" : "") + mant, exp];
}

/**
 * A function that formats one element to the common width. Complex values
 * print as NumPy's ComplexFloatingFormat: the real parts formatted together,
 * the imaginary parts together with a sign always shown, then `j`.
 */
function elementFormatter(
  dtype: DType,
  values: Value[],
  scalar = false,
): (v: Value) => string {
  if (dtype === "complex64" || dtype === "complex128") {
    const part = dtype === "complex64" ? "float32" : "float64";
    const cs = values as Complex[];
    const re = floatFormatter(part, cs.map((c) => c.re), false);
    const im = floatFormatter(part, cs.map((c) => c.im), true);
    return (v) => {
      const c = v as Complex;
      const i = im(c.im);
      const sp = i.trimEnd().length;
      return re(c.re) + i.slice(0, sp) + "j" + i.slice(sp);
    };
  }
  if (dtype === "bool") {
    // NumPy's BoolFormat: " True" in every array but a 0-d one
    const w = scalar ? 0 : 5;
    return (v) => (v ? "True" : "False").padStart(w);
  }
  if (!dtype.startsWith("float")) {
    const w = Math.max(0, ...values.map((v) => String(v).length));
    return (v) => String(v).padStart(w);
  }
  const f = floatFormatter(dtype, values as number[], false);
  return (v) => f(v as number);
}

/** NumPy's FloatingFormat; `plus` shows a sign on non-negative values too. */
function floatFormatter(dtype: DType, values: number[], plus: boolean): (v: number) => string {
  const sign = (t: string): string => (plus && !t.startsWith("-") ? "+" + t : t);
  // float32 values print with the fewest digits that give back the same
  // float32 (NumPy's `unique` mode): that decimal, as a double, formats as one
  const canon = dtype === "float32" ? shortestFloat32 : (x: number) => x;
  const nums = values.map(canon);
  const finite = nums.filter((v) => Number.isFinite(v));
  const mags = finite.map(Math.abs).filter((v) => v !== 0);
  const max = mags.length ? Math.max(...mags) : 0;
  const min = mags.length ? Math.min(...mags) : 0;
  const exp = mags.length > 0 && (max >= 1e8 || min < 1e-4 || max / min > 1000);
  const special = (v: number): string => sign(Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf");
  if (exp) {
    const expDigits = Math.max(2, ...finite.map((x) => scientific(x)[1].length - 2));
    const sci = (x: number): [string, string] => {
      const [m, e] = scientific(x, expDigits);
      return [sign(m), e];
    };
    const parts = finite.map(sci);
    const left = Math.max(0, ...parts.map(([m]) => m.indexOf(".")));
    const right = Math.max(0, ...parts.map(([m]) => m.length - m.indexOf(".") - 1));
    const expW = Math.max(0, ...parts.map(([, e]) => e.length));
    const width = left + 1 + right + expW;
    return (v) => {
      const x = canon(v);
      if (!Number.isFinite(x)) return special(x).padStart(width);
      const [m, e] = sci(x);
      const dot = m.indexOf(".");
      return m.slice(0, dot).padStart(left) + m.slice(dot).padEnd(right + 1, "0") +
        e.padStart(expW);
    };
  }
  const texts = finite.map((x) => sign(positional(x)));
  const left = Math.max(0, ...texts.map((t) => t.indexOf(".")));
  const right = Math.max(0, ...texts.map((t) => t.length - t.indexOf(".") - 1));
  const width = Math.max(
    left + 1 + right,
    ...nums.filter((v) => !Number.isFinite(v)).map((v) => special(v).length),
  );
  return (v) => {
    const x = canon(v);
    if (!Number.isFinite(x)) return special(x).padStart(width);
    const t = sign(positional(x));
    const dot = t.indexOf(".");
    return (t.slice(0, dot).padStart(left) + t.slice(dot).padEnd(right + 1)).padStart(width);
  };
}

/**
 * The nested brackets as numpy/core/arrayprint.py's `_formatArray` lays them
 * out (NumPy 1.14+ style): `indent` is the width of what precedes the first
 * bracket plus one, `width` the line width less the closing text.
 */
function body(
  a: Printable,
  fmt: (v: Value) => string,
  sep: string,
  indent: number,
  width: number,
  summarise: boolean,
): string {
  const nd = a.shape.length;
  const idx: number[] = [];
  const extend = (out: string[], line: string, word: string, w: number, prefix: string) => {
    // wrap when the word does not fit, unless the line holds nothing yet
    if (line.length + word.length > w && line.length > prefix.length) {
      out.push(line.trimEnd() + "\n");
      line = prefix;
    }
    return line + word;
  };
  const rec = (axis: number, hanging: string, curr: number): string => {
    const next = hanging + " ";
    const nextWidth = curr - 1;
    const shown = shownIndices(a.shape[axis], summarise);
    const word = (i: number): string => {
      if (i < 0) return "...";
      idx[axis] = i;
      return axis === nd - 1 ? fmt(a.get(...idx)) : rec(axis + 1, next, nextWidth);
    };
    let s = "";
    if (axis === nd - 1) {
      const elemWidth = curr - Math.max(sep.trimEnd().length, 1);
      const out: string[] = [];
      let line = hanging;
      shown.forEach((i, k) => {
        line = extend(out, line, word(i), elemWidth, hanging);
        if (k < shown.length - 1) line += sep;
      });
      s = out.join("") + line;
    } else {
      const lineSep = sep.trimEnd() + "\n".repeat(nd - axis - 1);
      s = shown.map((i) => hanging + word(i)).join(lineSep);
    }
    return "[" + s.slice(hanging.length) + "]";
  };
  return rec(0, " ".repeat(indent), width);
}

/**
 * NumPy's `repr` of an array: `array([1, 2, 3], dtype=int32)`.
 *
 * @param a The array.
 * @returns The text.
 */
export function arrayRepr(a: Printable): string {
  const size = a.shape.reduce((p, n) => p * n, 1);
  const summarise = size > THRESHOLD;
  const implicit = IMPLICIT.has(a.dtype) && size > 0;
  const dtypeText = `dtype=${a.dtype})`;
  let text: string;
  if (a.shape.length === 0) {
    const v = a.get();
    text = `array(${elementFormatter(a.dtype, [v], true)(v).trim()}`;
  } else if (size === 0) {
    text = a.shape.length === 1 ? "array([]" : `array([], shape=(${a.shape.join(", ")})`;
  } else {
    const fmt = elementFormatter(a.dtype, collect(a, summarise));
    text = "array(" + body(a, fmt, ", ", 7, LINE_WIDTH - 1, summarise);
  }
  if (implicit) return text + ")";
  text += ",";
  const last = text.length - (text.lastIndexOf("\n") + 1);
  return text + (last + dtypeText.length + 1 > LINE_WIDTH ? "\n      " : " ") + dtypeText;
}

/**
 * NumPy's `str` of an array: `[[0 1] [2 3]]` (rows on their own lines).
 *
 * @param a The array.
 * @returns The text.
 */
export function arrayStr(a: Printable): string {
  const size = a.shape.reduce((p, n) => p * n, 1);
  const summarise = size > THRESHOLD;
  if (a.shape.length === 0) {
    const v = a.get();
    if (typeof v === "object") return pyComplex(v, a.dtype === "complex64");
    return elementFormatter(a.dtype, [v], true)(v).trim();
  }
  if (size === 0) return "[]";
  const fmt = elementFormatter(a.dtype, collect(a, summarise));
  return body(a, fmt, " ", 1, LINE_WIDTH, summarise);
}

/** Python's repr of a float, as a complex scalar's str shows its parts. */
function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const m = Math.abs(x);
  if (m !== 0 && (m >= 1e16 || m < 1e-4)) {
    return x.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  return Object.is(x, -0) ? "-0" : String(x);
}

/** The str of a NumPy complex scalar: `(3-4j)`, or `4j` when the real part is +0. */
function pyComplex(c: Complex, single: boolean): string {
  const canon = single ? shortestFloat32 : (x: number) => x;
  const re = canon(c.re);
  const im = canon(c.im);
  const imText = pyFloat(im);
  if (Object.is(re, 0)) return `${imText}j`;
  const sign = imText.startsWith("-") ? "" : "+";
  return `(${pyFloat(re)}${sign}${imText}j)`;
}
