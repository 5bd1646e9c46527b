// Property tests for broadcasting and slicing views: results are checked
// element by element against index arithmetic written independently here.

import fc from "npm:fast-check@4.10.2";
import assert from "node:assert/strict";
import { add, multiply } from "../../core/ufunc.ts";
import { arange, broadcastShapes, NDArray, type SliceSpec } from "../../core/ndarray.ts";
import { ShapeMismatchError } from "../../core/errors.ts";

/** Every multi-index of `shape` in C order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < n; flat++) {
    const idx = new Array<number>(shape.length);
    let r = flat;
    for (let ax = shape.length - 1; ax >= 0; ax--) {
      idx[ax] = r % shape[ax];
      r = Math.floor(r / shape[ax]);
    }
    yield idx;
  }
}

/** C-order flat position of `idx` in `shape`. */
function flatOf(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let ax = 0; ax < shape.length; ax++) f = f * shape[ax] + idx[ax];
  return f;
}

/** The index into an operand of shape `s` that broadcasting maps result index `idx` to. */
function broadcastIndex(idx: readonly number[], s: readonly number[]): number[] {
  const lead = idx.length - s.length;
  return s.map((d, i) => (d === 1 ? 0 : idx[lead + i]));
}

const shapeAndOperands = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 })
  .chain((full) => {
    const operand = fc
      .tuple(
        fc.integer({ min: 0, max: full.length }),
        fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
      )
      .map(([drop, ones]) => full.slice(drop).map((d, i) => (ones[drop + i] ? 1 : d)));
    return fc.tuple(fc.constant(full), operand, operand);
  });

Deno.test("add() broadcasts random compatible shapes element by element", () => {
  fc.assert(
    fc.property(shapeAndOperands, ([, sa, sb]) => {
      const a = multiply(arange(sa.reduce((x, y) => x * y, 1), undefined, undefined, "int32"), 1000)
        .reshape(sa);
      const b = arange(sb.reduce((x, y) => x * y, 1), undefined, undefined, "int32").reshape(sb);
      const nd = Math.max(sa.length, sb.length);
      const pad = (s: number[]): number[] => [...new Array(nd - s.length).fill(1), ...s];
      const want = pad(sa).map((d, i) => Math.max(d, pad(sb)[i]));
      assert.deepEqual(broadcastShapes(sa, sb), want);
      const r = add(a, b);
      assert.deepEqual([...r.shape], want);
      assert.equal(r.dtype, "int32");
      for (const idx of indices(want)) {
        const ia = broadcastIndex(idx, sa);
        const ib = broadcastIndex(idx, sb);
        assert.equal(r.get(...idx), flatOf(ia, sa) * 1000 + flatOf(ib, sb));
        assert.equal(a.broadcastTo(want).get(...idx), a.get(...ia));
      }
    }),
    { numRuns: 200 },
  );
});

Deno.test("broadcastShapes() rejects shapes with two different non-1 lengths", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 2, max: 5 }), { minLength: 1, maxLength: 4 }),
      fc.nat(),
      fc.integer({ min: 1, max: 3 }),
      (shape, at, delta) => {
        const ax = at % shape.length;
        const other = shape.map((d, i) => (i === ax ? d + delta : d));
        assert.throws(() => broadcastShapes(shape, other), ShapeMismatchError);
        const make = (s: number[]): NDArray => arange(s.reduce((x, y) => x * y, 1)).reshape(s);
        assert.throws(() => add(make(shape), make(other)), ShapeMismatchError);
      },
    ),
    { numRuns: 50 },
  );
});

/** Python's `range(n)[start:stop:step]`, written from CPython's PySlice_AdjustIndices. */
function pySlice(n: number, start: number | null, stop: number | null, step: number): number[] {
  const adjust = (v: number | null, dflt: number): number => {
    if (v === null) return dflt;
    if (v < 0) {
      v += n;
      if (v < 0) return step < 0 ? -1 : 0;
      return v;
    }
    if (v >= n) return step < 0 ? n - 1 : n;
    return v;
  };
  const a = adjust(start, step < 0 ? n - 1 : 0);
  const b = adjust(stop, step < 0 ? -1 : n);
  const out: number[] = [];
  for (let i = a; step > 0 ? i < b : i > b; i += step) out.push(i);
  return out;
}

type Part =
  | { kind: "index"; i: number }
  | { kind: "range"; start: number | null; stop: number | null; step: number }
  | { kind: "newaxis" };

const bound = fc.option(fc.integer({ min: -8, max: 8 }), { nil: null });
const rangePart = fc.record({
  kind: fc.constant("range" as const),
  start: bound,
  stop: bound,
  step: fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0),
});

const baseAndParts = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 })
  .chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.tuple(
        ...shape.map((n) =>
          fc.oneof(
            rangePart,
            rangePart,
            fc.integer({ min: -n, max: n - 1 }).map((i) => ({ kind: "index" as const, i })),
          )
        ),
      ),
      fc.array(fc.nat({ max: shape.length }), { maxLength: 2 }),
    )
  );

Deno.test("slice() views equal index arithmetic, with negative steps and newaxis", () => {
  fc.assert(
    fc.property(baseAndParts, ([shape, axisParts, newaxisAt]) => {
      const size = shape.reduce((x, y) => x * y, 1);
      const base = arange(size, undefined, undefined, "float64").reshape(shape);
      const parts: Part[] = [...axisParts];
      for (const at of newaxisAt) parts.splice(at, 0, { kind: "newaxis" });
      const specs: SliceSpec[] = parts.map((p) =>
        p.kind === "index"
          ? p.i
          : p.kind === "newaxis"
          ? null
          : { start: p.start, stop: p.stop, step: p.step }
      );
      // per output axis: the base axis it walks (or -1 for a new axis) and its indices
      const outAxes: { ax: number; sel: number[] }[] = [];
      const fixed = new Array<number>(shape.length).fill(0);
      let ax = 0;
      for (const p of parts) {
        if (p.kind === "newaxis") outAxes.push({ ax: -1, sel: [0] });
        else if (p.kind === "index") {
          fixed[ax] = p.i < 0 ? p.i + shape[ax] : p.i;
          ax++;
        } else {
          outAxes.push({ ax, sel: pySlice(shape[ax], p.start, p.stop, p.step) });
          ax++;
        }
      }
      const view: NDArray = base.slice(...specs);
      const wantShape = outAxes.map((o) => o.sel.length);
      assert.deepEqual([...view.shape], wantShape);
      const expected = (idx: number[]): number => {
        const full = [...fixed];
        outAxes.forEach((o, k) => {
          if (o.ax >= 0) full[o.ax] = o.sel[idx[k]];
        });
        return flatOf(full, shape);
      };
      const copy = view.copy();
      assert.ok(copy.isContiguous);
      let k = 0;
      const flat = [...copy.flat()];
      for (const idx of indices(wantShape)) {
        assert.equal(view.get(...idx), expected(idx));
        assert.equal(flat[k++], expected(idx));
      }
      assert.equal(k, flat.length);
    }),
    { numRuns: 300 },
  );
});

Deno.test("add() on strided and reversed views equals add() on their contiguous copies", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0),
      fc.boolean(),
      (rows, cols, step, transpose) => {
        const a = arange(rows * cols, undefined, undefined, "float64").reshape([rows, cols]);
        let v = a.slice({ step }, { step: -step });
        if (transpose) v = v.T;
        const w = v.copy();
        const r = add(v, multiply(w, 0.5));
        const s = add(w, multiply(w, 0.5));
        assert.deepEqual(r.toArray(), s.toArray());
        assert.deepEqual(add(v, 1).toArray(), add(w, 1).toArray());
      },
    ),
    { numRuns: 100 },
  );
});
