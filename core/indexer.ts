/**
 * The one selection normaliser and block indexer (DESIGN.md, contract 2).
 *
 * Every selection form (NumPy-style strings, per-axis specs, integer index
 * arrays, boolean masks, `Region` objects) is parsed and validated here into
 * one normalised {@link Selection}; a region (a hyperslab with positive
 * steps) is projected here onto any block grid: per block, its coordinates,
 * the part of the region inside it and where that part lands in the output.
 * NDArray, LazyArray, DistArray, the IO layer, the planner and the CLI all
 * call this module, so a malformed selection is a `TypeError`, `RangeError`
 * or `SyntaxError` naming the field everywhere, never a silent whole-array read.
 *
 * @example
 * ```ts
 * import { indexSelection, projectRegion, toRegion } from "./indexer.ts";
 * const sel = indexSelection([10, 20], "2:8, ::-5");
 * if (sel.outShape.join() !== "6,4") throw new Error(`${sel.outShape}`);
 * const pieces = projectRegion(toRegion([10, 20], "2:8, ::5"), [4, 8]);
 * if (pieces.length !== 2 * 2) throw new Error(`${pieces.length}`);
 * ```
 *
 * @module
 */

/**
 * A hyperslab: per axis, the indices `start + k * step` for `k < count`.
 * Steps are positive. The block of a region has shape `count`.
 */
export interface Region {
  /** First index per axis. */
  readonly start: readonly number[];
  /** Step per axis (>= 1). */
  readonly step: readonly number[];
  /** Number of indices per axis. */
  readonly count: readonly number[];
}

/** A range along one axis, with Python's rules for omitted bounds and negative steps. */
export interface SliceObject {
  /** First index (negative counts from the end); omitted or null for the default. */
  readonly start?: number | null;
  /** Exclusive bound (negative counts from the end); omitted or null for the default. */
  readonly stop?: number | null;
  /** Step, not 0; omitted or null for 1. */
  readonly step?: number | null;
}

/** An integer index array along one axis (NumPy's integer array indexing). */
export type IndexArray =
  | readonly number[]
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/**
 * One axis of a selection:
 * - a number selects one index and drops the axis (negative counts from the end);
 * - `null` inserts a new axis of length 1 (NumPy's `newaxis`);
 * - `"..."` stands for as many full axes as needed;
 * - a string `"start:stop:step"` or an object `{ start, stop, step }` is a
 *   range, with NumPy's rules for omitted bounds and negative steps (a string
 *   with commas stands for several axes: `"0:10, 3"`);
 * - an array of integers or of booleans is an index array or a mask (not
 *   every caller accepts them; those that do not say so with a TypeError).
 */
export type SliceSpec = number | null | string | SliceObject | IndexArray | readonly boolean[];

/** A `Region` whose `step` may be omitted (all ones). */
export interface RegionInit {
  /** First index per axis. */
  readonly start: readonly number[];
  /** Step per axis (>= 1); all ones when omitted. */
  readonly step?: readonly number[];
  /** Number of indices per axis. */
  readonly count: readonly number[];
}

/**
 * What may be passed where a region is expected: a `Region` (step optional),
 * a selection string (`"0:100, :, ::2"`), a list of slice specs, or nothing
 * for the whole array.
 */
export type RegionLike = RegionInit | string | readonly SliceSpec[] | undefined;

/** A normalised range along one axis: `count` indices `start + k * step`. */
export interface AxisRange {
  /** First index. */
  readonly start: number;
  /** Exclusive bound, as NumPy's `slice.indices` gives it. */
  readonly stop: number;
  /** Step (never 0). */
  readonly step: number;
  /** Number of selected indices. */
  readonly count: number;
}

/** One entry of a normalised selection. */
export type AxisIndex =
  | {
    /** A range of input axis `axis`: `count` indices `start + k * step` (step may be negative). */
    readonly kind: "range";
    readonly axis: number;
    readonly start: number;
    readonly step: number;
    readonly count: number;
  }
  | {
    /** One index of input axis `axis`; the axis is dropped. */
    readonly kind: "index";
    readonly axis: number;
    readonly index: number;
  }
  | {
    /** A new output axis of length 1. */
    readonly kind: "newaxis";
  }
  | {
    /** The listed indices of input axis `axis` (from an index array, or a mask when `mask`). */
    readonly kind: "array";
    readonly axis: number;
    readonly indices: readonly number[];
    readonly mask: boolean;
  };

/** A selection normalised against a shape. */
export interface Selection {
  /** The shape selected from. */
  readonly shape: readonly number[];
  /** One entry per part, `...` expanded and missing trailing axes filled: every input axis once, in order. */
  readonly axes: readonly AxisIndex[];
  /** Per output axis, the entry of `axes` that produces it (NumPy's order). */
  readonly outAxes: readonly number[];
  /** The shape of the result, as NumPy gives it. */
  readonly outShape: readonly number[];
}

/** Options of {@link indexSelection}: which forms the caller supports, and its name for messages. */
export interface SelectOptions {
  /** The caller, for messages (`"DistArray.slice"`). Default `"this selection"`. */
  readonly caller?: string;
  /** Accept integer index arrays and boolean masks (default false: a TypeError). */
  readonly arrays?: boolean;
  /** Accept `null`/`None` new axes (default true). */
  readonly newAxes?: boolean;
  /** Accept negative steps (default true). */
  readonly negativeSteps?: boolean;
}

const ELLIPSIS = "...";

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number" || typeof v === "boolean" || v == null) return String(v);
  if (typeof v === "function") return "a function";
  if (typeof v === "symbol") return v.toString();
  try {
    const s = JSON.stringify(v) ?? Object.prototype.toString.call(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function checkInteger(v: unknown, what: string): number {
  if (typeof v !== "number") {
    throw new TypeError(`Invalid ${what} ${show(v)}: expected an integer`);
  }
  if (!Number.isSafeInteger(v)) {
    throw new RangeError(`Invalid ${what} ${v}: must be an integer`);
  }
  return v;
}

/**
 * Normalises a range along an axis of length `n` exactly as Python's
 * `slice(start, stop, step).indices(n)` does.
 *
 * @param n Axis length.
 * @param start First index, negative from the end, null for the default.
 * @param stop Exclusive bound, negative from the end, null for the default.
 * @param step Step, null for 1.
 * @returns The normalised range.
 * @throws {RangeError} When step is 0, or a bound or the step is not an integer.
 * @throws {TypeError} When a bound or the step is not a number.
 *
 * @example
 * ```ts
 * import { normalizeRange } from "./indexer.ts";
 * const r = normalizeRange(10, null, null, -3);
 * if (r.start !== 9 || r.count !== 4) throw new Error("bad");
 * ```
 */
export function normalizeRange(
  n: number,
  start?: number | null,
  stop?: number | null,
  step?: number | null,
): AxisRange {
  const st = step ?? 1;
  if (typeof st !== "number") {
    throw new TypeError(`Invalid slice step ${show(st)}: expected an integer`);
  }
  if (st === 0 || !Number.isSafeInteger(st)) {
    throw new RangeError(`Invalid slice step ${st}: must be a non-zero integer`);
  }
  if (start != null) checkInteger(start, "slice start");
  if (stop != null) checkInteger(stop, "slice stop");
  let a: number;
  let b: number;
  if (st > 0) {
    a = start == null ? 0 : start < 0 ? Math.max(start + n, 0) : Math.min(start, n);
    b = stop == null ? n : stop < 0 ? Math.max(stop + n, 0) : Math.min(stop, n);
  } else {
    a = start == null ? n - 1 : start < 0 ? Math.max(start + n, -1) : Math.min(start, n - 1);
    b = stop == null ? -1 : stop < 0 ? Math.max(stop + n, -1) : Math.min(stop, n - 1);
  }
  const count = st > 0
    ? Math.max(0, Math.ceil((b - a) / st))
    : Math.max(0, Math.ceil((a - b) / -st));
  return { start: a, stop: b, step: st, count };
}

/**
 * Parses a NumPy-style selection string (`"0:100, :, ::2"`, `"5, ..., None"`)
 * into slice specs.
 *
 * @param text The selection, axes separated by commas.
 * @returns One spec per part.
 * @throws {SyntaxError} When a part does not parse.
 * @throws {TypeError} When `text` is not a string.
 *
 * @example
 * ```ts
 * import { parseSelection } from "./indexer.ts";
 * const s = parseSelection("0:10, 3, ::-1");
 * if (s.length !== 3 || s[1] !== 3) throw new Error("bad");
 * ```
 */
export function parseSelection(text: string): SliceSpec[] {
  if (typeof text !== "string") {
    throw new TypeError(`Invalid selection ${show(text)}: expected a string`);
  }
  if (text.trim() === "") return [];
  return text.split(",").map((part) => {
    const p = part.trim();
    if (p === ELLIPSIS) return ELLIPSIS;
    if (p === "None" || p === "newaxis" || p === "null") return null;
    if (/^[+-]?\d+$/.test(p)) return Number(p);
    const m = /^([+-]?\d+)?\s*:\s*([+-]?\d+)?\s*(?::\s*([+-]?\d+)?)?$/.exec(p);
    if (!m) throw new SyntaxError(`Cannot parse selection "${text}": bad part "${p}"`);
    const num = (s: string | undefined): number | null => (s === undefined ? null : Number(s));
    return { start: num(m[1]), stop: num(m[2]), step: num(m[3]) };
  });
}

const SLICE_KEYS = new Set(["start", "stop", "step"]);
const REGION_KEYS = new Set(["start", "step", "count"]);

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** Splits strings into parts (a blank string has none); every other spec stays one part. */
function flatten(specs: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const s of specs) {
    if (typeof s === "string") out.push(...parseSelection(s));
    else out.push(s);
  }
  return out;
}

/** True when the part consumes an input axis. */
function consumes(s: unknown): boolean {
  return s !== null && s !== ELLIPSIS;
}

/**
 * Parses and validates a selection against a shape: a string, one spec per
 * axis (numbers, ranges, `null`, `"..."`, index arrays, masks), a `Region`
 * object, or undefined for everything.
 *
 * @param shape The shape selected from.
 * @param selection The selection.
 * @param options Which forms the caller supports, and its name for messages.
 * @returns The normalised selection.
 * @throws {TypeError} For a wrong kind of part, or a form the caller does not support.
 * @throws {RangeError} For an index out of bounds, step 0, a non-integer, too many indices.
 * @throws {SyntaxError} For text that does not parse.
 *
 * @example
 * ```ts
 * import { indexSelection } from "./indexer.ts";
 * const s = indexSelection([4, 5, 6], [1, "...", "::-2", null]);
 * if (s.outShape.join() !== "5,3,1") throw new Error(`${s.outShape}`);
 * let threw = false;
 * try {
 *   indexSelection([4], [[0, 2]], { caller: "DistArray.slice" });
 * } catch (e) {
 *   threw = e instanceof TypeError && e.message.includes("DistArray.slice: axis 0");
 * }
 * if (!threw) throw new Error("index arrays should be refused");
 * ```
 */
export function indexSelection(
  shape: readonly number[],
  selection: RegionLike,
  options: SelectOptions = {},
): Selection {
  if (selection === undefined) return selectionOf(shape, shape.map((n, axis) => full(n, axis)));
  if (typeof selection === "string") return fromSpecs(shape, parseSelection(selection), options);
  if (Array.isArray(selection)) return fromSpecs(shape, flatten(selection), options);
  if (typeof selection === "object" && selection !== null && !ArrayBuffer.isView(selection)) {
    const r = checkRegion(shape, selection as RegionInit);
    return selectionOf(
      shape,
      shape.map((_, axis) => ({
        kind: "range",
        axis,
        start: r.start[axis],
        step: r.step[axis],
        count: r.count[axis],
      })),
    );
  }
  throw new TypeError(
    `Invalid selection ${
      show(selection)
    }: expected a string, a list of per-axis specs or a region { start, step, count }`,
  );
}

function full(n: number, axis: number): AxisIndex {
  return { kind: "range", axis, start: 0, step: 1, count: n };
}

function fromSpecs(
  shape: readonly number[],
  parts: readonly unknown[],
  options: SelectOptions,
): Selection {
  const caller = options.caller ?? "this selection";
  const ndim = shape.length;
  const ell = parts.filter((s) => s === ELLIPSIS).length;
  if (ell > 1) throw new RangeError(`A selection can only have one "..."`);
  const consumed = parts.filter(consumes).length;
  if (consumed > ndim) {
    throw new RangeError(
      `Too many indices: the selection has ${consumed} axes, the array has ${ndim}: shape [${
        shape.join(",")
      }]`,
    );
  }
  const axes: AxisIndex[] = [];
  let ax = 0;
  let arrays = 0;
  parts.forEach((s, pos) => {
    if (s === ELLIPSIS) {
      for (let i = 0; i < ndim - consumed; i++, ax++) axes.push(full(shape[ax], ax));
      return;
    }
    if (s === null) {
      if (options.newAxes === false) {
        throw new TypeError(`New axes (None) are not supported by ${caller}: part ${pos}`);
      }
      axes.push({ kind: "newaxis" });
      return;
    }
    const a = part(shape, s, shape[ax], ax, pos, caller, options);
    if (a.kind === "array") arrays++;
    axes.push(a);
    ax++;
  });
  for (; ax < ndim; ax++) axes.push(full(shape[ax], ax));
  if (arrays > 1) {
    const which = axes.filter((a) => a.kind === "array").map((a) => (a as { axis: number }).axis);
    throw new TypeError(
      `Index arrays on more than one axis are not supported by ${caller}: axes ${
        which.join(" and ")
      } (NumPy would pair them element by element)`,
    );
  }
  return selectionOf(shape, axes);
}

/** Validates one part that consumes axis `ax` of length `n`. */
function part(
  shape: readonly number[],
  s: unknown,
  n: number,
  ax: number,
  pos: number,
  caller: string,
  options: SelectOptions,
): AxisIndex {
  if (typeof s === "number") {
    if (!Number.isSafeInteger(s)) {
      throw new RangeError(`Invalid index ${s} for axis ${ax}: must be an integer`);
    }
    if (s < -n || s >= n) {
      throw new RangeError(`Index ${s} is outside axis ${ax} of shape [${shape.join(",")}]`);
    }
    return { kind: "index", axis: ax, index: s < 0 ? s + n : s };
  }
  if (isArrayLike(s)) return arrayPart(shape, s, ax, caller, options);
  if (typeof s === "object" && s !== null) {
    for (const k of Object.keys(s)) {
      if (!SLICE_KEYS.has(k)) {
        throw new TypeError(
          `Invalid slice ${
            show(s)
          } for axis ${ax}: unknown key "${k}" (expected start, stop, step)`,
        );
      }
    }
    const o = s as SliceObject;
    const check = (v: unknown, what: string): void => {
      if (v === undefined || v === null) return;
      if (typeof v !== "number") {
        throw new TypeError(`Invalid slice ${what} ${show(v)} for axis ${ax}: expected an integer`);
      }
      if (!Number.isSafeInteger(v) || (what === "step" && v === 0)) {
        throw new RangeError(
          `Invalid slice ${what} ${v} for axis ${ax}: must be ${
            what === "step" ? "a non-zero integer" : "an integer"
          }`,
        );
      }
    };
    check(o.start, "start");
    check(o.stop, "stop");
    check(o.step, "step");
    const r = normalizeRange(n, o.start, o.stop, o.step);
    if (r.step < 0 && options.negativeSteps === false) {
      throw new RangeError(
        `Invalid step ${r.step} on axis ${ax}: negative steps are not supported by ${caller}`,
      );
    }
    return { kind: "range", axis: ax, start: r.start, step: r.step, count: r.count };
  }
  throw new TypeError(
    `Invalid selection part ${show(s)} at position ${pos} (axis ${ax}): ` +
      `expected an integer, a range, null, "..." or an index array`,
  );
}

function arrayPart(
  shape: readonly number[],
  s: ArrayLike<unknown>,
  ax: number,
  caller: string,
  options: SelectOptions,
): AxisIndex {
  const n = shape[ax];
  const mask = s.length > 0 && Array.isArray(s) && typeof s[0] === "boolean";
  if (!options.arrays) {
    throw new TypeError(
      `${
        mask ? "Boolean masks" : "Integer index arrays"
      } are not supported by ${caller}: axis ${ax}`,
    );
  }
  const indices: number[] = [];
  if (mask) {
    if (s.length !== n) {
      throw new RangeError(
        `Boolean mask of length ${s.length} does not match axis ${ax} with size ${n}`,
      );
    }
    for (let i = 0; i < s.length; i++) {
      if (typeof s[i] !== "boolean") {
        throw new TypeError(
          `Invalid mask entry ${show(s[i])} at ${i} for axis ${ax}: expected a boolean`,
        );
      }
      if (s[i]) indices.push(i);
    }
  } else {
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (typeof v !== "number") {
        throw new TypeError(
          `Invalid index ${show(v)} at ${i} of the index array for axis ${ax}: expected an integer`,
        );
      }
      if (!Number.isSafeInteger(v)) {
        throw new RangeError(
          `Invalid index ${v} at ${i} of the index array for axis ${ax}: must be an integer`,
        );
      }
      if (v < -n || v >= n) {
        throw new RangeError(
          `Index ${v} at ${i} of the index array is outside axis ${ax} of shape [${
            shape.join(",")
          }]`,
        );
      }
      indices.push(v < 0 ? v + n : v);
    }
  }
  return { kind: "array", axis: ax, indices, mask };
}

/** Orders the output axes as NumPy does and computes the result shape. */
function selectionOf(shape: readonly number[], axes: AxisIndex[]): Selection {
  const outAxes: number[] = [];
  axes.forEach((a, i) => {
    if (a.kind !== "index") outAxes.push(i);
  });
  const arr = axes.findIndex((a) => a.kind === "array");
  if (arr >= 0) {
    // integers are advanced indices too once an array is present: when they
    // are not next to each other, NumPy puts the array's axis first
    const adv = axes.flatMap((a, i) => (a.kind === "array" || a.kind === "index" ? [i] : []));
    if (adv[adv.length - 1] - adv[0] !== adv.length - 1) {
      outAxes.splice(outAxes.indexOf(arr), 1);
      outAxes.unshift(arr);
    }
  }
  const outShape = outAxes.map((i) => {
    const a = axes[i];
    return a.kind === "range" ? a.count : a.kind === "array" ? a.indices.length : 1;
  });
  return { shape: [...shape], axes, outAxes, outShape };
}

function checkRegion(shape: readonly number[], r: RegionInit): Region {
  for (const k of Object.keys(r)) {
    if (!REGION_KEYS.has(k)) {
      throw new TypeError(
        `Invalid region ${show(r)}: unknown key "${k}" (a region has start, step and count)`,
      );
    }
  }
  const nd = shape.length;
  const field = (name: "start" | "step" | "count", min: number): number[] => {
    const v = r[name];
    if (v === undefined) {
      if (name === "step") return shape.map(() => 1);
      throw new TypeError(`Invalid region ${show(r)}: missing "${name}"`);
    }
    if (!isArrayLike(v)) {
      throw new TypeError(`Invalid region ${name} ${show(v)}: expected one integer per axis`);
    }
    if (v.length !== nd) {
      throw new RangeError(
        `Region ${name} has ${v.length} axes, the array has ${nd}: shape [${shape.join(",")}]`,
      );
    }
    const out = Array.from(v as ArrayLike<unknown>, (x, i) => {
      if (typeof x !== "number") {
        throw new TypeError(`Invalid region ${name}[${i}] ${show(x)}: expected an integer`);
      }
      if (!Number.isSafeInteger(x) || x < min) {
        throw new RangeError(`Invalid region ${name}[${i}] ${x}: must be an integer >= ${min}`);
      }
      return x;
    });
    return out;
  };
  const start = field("start", 0);
  const step = field("step", 1);
  const count = field("count", 0);
  for (let i = 0; i < nd; i++) {
    if (count[i] > 0 && start[i] + (count[i] - 1) * step[i] >= shape[i]) {
      throw new RangeError(
        `Region [${describeRegion({ start, step, count })}] is outside shape [${
          shape.join(",")
        }] on axis ${i}`,
      );
    }
  }
  return { start, step, count };
}

/**
 * The positive-step region of the input that a selection without index
 * arrays reads (integers keep their axis with count 1), and the input axes
 * to reverse afterwards (those with negative steps).
 *
 * @param sel A normalised selection.
 * @returns The region and the reversed axes.
 * @throws {TypeError} When the selection has an index array or mask.
 *
 * @example
 * ```ts
 * import { indexSelection, selectionRegion } from "./indexer.ts";
 * const { region, reverse } = selectionRegion(indexSelection([10, 6], "::-3, 2"));
 * if (region.start.join() !== "0,2" || region.count.join() !== "4,1") throw new Error("bad");
 * if (reverse.join() !== "0") throw new Error("bad");
 * ```
 */
export function selectionRegion(sel: Selection): { region: Region; reverse: number[] } {
  const start: number[] = [];
  const step: number[] = [];
  const count: number[] = [];
  const reverse: number[] = [];
  for (const a of sel.axes) {
    if (a.kind === "newaxis") continue;
    if (a.kind === "array") {
      throw new TypeError(`Index arrays have no region: axis ${a.axis}`);
    }
    if (a.kind === "index") {
      start.push(a.index);
      step.push(1);
      count.push(1);
    } else if (a.step > 0) {
      start.push(a.count > 0 ? a.start : 0);
      step.push(a.step);
      count.push(a.count);
    } else {
      start.push(a.count > 0 ? a.start + a.step * (a.count - 1) : 0);
      step.push(-a.step);
      count.push(a.count);
      reverse.push(a.axis);
    }
  }
  return { region: { start, step, count }, reverse };
}

/**
 * Normalises a region against a shape. Integers select one index (the axis
 * stays, with length 1); negative steps, new axes and index arrays are
 * refused (read with a positive step and reverse the view instead).
 *
 * @param shape The array's shape.
 * @param region The region, or undefined for everything.
 * @param options `context`: a prefix for error messages (`Cannot read "x.npy"`).
 * @returns A region with one entry per axis, inside the shape.
 * @throws {RangeError} When the region does not fit the shape.
 * @throws {TypeError} When the region is malformed (unknown or missing keys, wrong kinds).
 * @throws {SyntaxError} When a selection string does not parse.
 *
 * @example
 * ```ts
 * import { toRegion } from "./indexer.ts";
 * const r = toRegion([10, 20], "2:8, ::5");
 * if (r.count.join() !== "6,4" || r.step[1] !== 5) throw new Error("bad");
 * let threw = false;
 * try {
 *   toRegion([10, 20], { start: [0, 0], stop: [5, 5] } as never);
 * } catch (e) {
 *   threw = e instanceof TypeError && e.message.includes('"stop"');
 * }
 * if (!threw) throw new Error("a region without count should be refused");
 * ```
 */
export function toRegion(
  shape: readonly number[],
  region?: RegionLike,
  options: { readonly context?: string } = {},
): Region {
  try {
    if (region === undefined) {
      return { start: shape.map(() => 0), step: shape.map(() => 1), count: [...shape] };
    }
    if (typeof region === "object" && region !== null && !isArrayLike(region)) {
      return checkRegion(shape, region as RegionInit);
    }
    const sel = indexSelection(shape, region, {
      caller: "a region",
      newAxes: false,
      negativeSteps: false,
    });
    return selectionRegion(sel).region;
  } catch (e) {
    if (options.context === undefined) throw e;
    const E = e instanceof RangeError
      ? RangeError
      : e instanceof TypeError
      ? TypeError
      : e instanceof SyntaxError
      ? SyntaxError
      : null;
    if (E === null) throw e;
    throw new E(`${options.context}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Formats a region as a selection string (`2:8,0:20:5`).
 *
 * @param r The region.
 * @returns The selection text.
 *
 * @example
 * ```ts
 * import { describeRegion } from "./indexer.ts";
 * const s = describeRegion({ start: [2], step: [1], count: [3] });
 * if (s !== "2:5") throw new Error(s);
 * ```
 */
export function describeRegion(r: Region): string {
  return r.start.map((s, i) => {
    const st = r.step[i] ?? 1;
    const stop = s + r.count[i] * st - (st - 1);
    return st === 1 ? `${s}:${s + r.count[i]}` : `${s}:${Math.max(stop, s)}:${st}`;
  }).join(",");
}

export {
  type AxisPiece,
  balancedBounds,
  blockCount,
  type BlockGrid,
  blockOf,
  type BlockPiece,
  blockRegion,
  projectAxes,
  projectAxis,
  projectRegion,
  regularEdges,
} from "./project_region.ts";
