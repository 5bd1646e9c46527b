// core/indexer.ts: every selection form against NumPy (/usr/bin/python3),
// projection onto random block grids against a direct slice, and thousands
// of random malformed inputs that must give only typed errors.

import fc from "npm:fast-check@4.10.2";
import assert from "node:assert/strict";
import {
  balancedBounds,
  blockCount,
  type BlockGrid,
  blockOf,
  blockRegion,
  indexSelection,
  projectAxis,
  projectRegion,
  type Region,
  type RegionLike,
  type Selection,
  selectionRegion,
  type SliceSpec,
  toRegion,
} from "../../core/indexer.ts";
import { arange, copyInto, NDArray, zeros } from "../../core/ndarray.ts";
import { hasPython, pythonJson } from "../_util.ts";

/** The elements a normalised selection picks from `base`, in C order of the result. */
function take(base: NDArray, sel: Selection): number[] {
  const out: number[] = [];
  const size = sel.outShape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(sel.outShape.length).fill(0);
  for (let n = 0; n < size; n++) {
    const coords: number[] = [];
    sel.axes.forEach((a, i) => {
      const k = idx[sel.outAxes.indexOf(i)];
      if (a.kind === "range") coords[a.axis] = a.start + a.step * k;
      else if (a.kind === "index") coords[a.axis] = a.index;
      else if (a.kind === "array") coords[a.axis] = a.indices[k];
    });
    out.push(Number(base.get(...coords)));
    for (let ax = idx.length - 1; ax >= 0; ax--) {
      if (++idx[ax] < sel.outShape[ax]) break;
      idx[ax] = 0;
    }
  }
  return out;
}

function base(shape: readonly number[]): NDArray {
  return arange(shape.reduce((a, b) => a * b, 1), undefined, undefined, "float64").reshape([
    ...shape,
  ]);
}

const T = true;
const F = false;

/** [shape, NumPy expression on `a`, our selection, whether NDArray.slice takes it]. */
const CASES: [number[], string, RegionLike, boolean][] = [
  [[4, 5, 6, 7], "a[0:100, ::2, ..., 3]", "0:100, ::2, ..., 3", true],
  [[4, 5, 6], "a[-1, ::-2]", "-1, ::-2", true],
  [[4, 5, 6], "a[..., None, 1:-1]", "..., None, 1:-1", true],
  [[4, 5, 6], "a[None, 2, ..., ::-3]", "None, 2, ..., ::-3", true],
  [[4, 5, 6], "a[1, ::-1]", [1, "::-1"], true],
  [[4, 5, 6], "a[-3::-1]", [{ start: -3, stop: null, step: -1 }], true],
  [[9], "a[10:-10:-2]", [{ start: 10, stop: -10, step: -2 }], true],
  [[4, 5, 6], "a[1:3, None, ..., ::4]", ["1:3", null, "...", { step: 4 }], true],
  [[4, 5, 6], "a[2:, 1:4, -2]", ["2:, 1:4", -2], true],
  [[4, 5, 6], "a[:, :, :]", [{}, {}, {}], true],
  [[4, 5, 6], "a[...]", "", true],
  [[4, 5, 6], "a[...]", [], true],
  [[4, 5, 6], "a[...]", undefined, true],
  [[7], "a[1]", "1", true],
  [[7], "a[-7]", [-7], true],
  [[4, 5, 6], "a[0:0]", "0:0", true],
  [[4, 5, 6], "a[3:1]", "3:1", true],
  [[4, 5, 6], "a[[0, 2, -1]]", [[0, 2, -1]], false],
  [[4, 5, 6], "a[:, [4, 0, 0]]", [":", [4, 0, 0]], false],
  [[4, 5, 6], "a[1, :, [0, 5]]", [1, ":", [0, 5]], false],
  [[4, 5, 6], "a[:, 1, [0, 5]]", [":", 1, [0, 5]], false],
  [[4, 5, 6], "a[[3, 1], :, 2]", [[3, 1], ":", 2], false],
  [[4, 5, 6], "a[0, None, [1, 2]]", [0, null, [1, 2]], false],
  [[4, 5, 6], "a[None, [1, 3], None]", [null, [1, 3], null], false],
  [[4, 5, 6], "a[np.array([3, 1])]", [Int32Array.of(3, 1)], false],
  [[4, 5, 6], "a[np.array([], dtype=int)]", [[]], false],
  [[4, 5, 6], "a[np.array([True, False, True, False])]", [[T, F, T, F]], false],
  [[4, 5, 6], "a[..., np.array([False, True, True, False, False, True])]", [
    "...",
    [F, T, T, F, F, T],
  ], false],
  [[4, 5, 6], "a[2, np.array([True, True, False, False, True]), ::-1]", [
    2,
    [T, T, F, F, T],
    "::-1",
  ], false],
  [
    [4, 5, 6],
    "a[1:4:2, 0:6:2, 2:8:3]",
    { start: [1, 0, 2], step: [2, 2, 3], count: [2, 3, 2] },
    true,
  ],
  [[4, 5, 6], "a[1:3, 0:5, 4:6]", { start: [1, 0, 4], count: [2, 5, 2] }, true],
];

Deno.test({
  name: "indexSelection() selects what NumPy selects, for every form",
  ignore: !hasPython("numpy"),
  fn: async () => {
    const want = await pythonJson<{ shape: number[]; values: number[] }[]>(
      `
import json, sys
import numpy as np
out = []
for shape, expr in json.loads(sys.argv[1]):
    a = np.arange(int(np.prod(shape)), dtype=float).reshape(shape)
    r = np.asarray(eval(expr))
    out.append({"shape": list(r.shape), "values": np.ravel(r).tolist()})
print(json.dumps(out))`,
      JSON.stringify(CASES.map(([shape, py]) => [shape, py])),
    );
    CASES.forEach(([shape, py, ts, basic], i) => {
      const a = base(shape);
      const sel = indexSelection(shape, ts, { arrays: true });
      assert.deepEqual([...sel.outShape], want[i].shape, `${py}: shape`);
      assert.deepEqual(take(a, sel), want[i].values, `${py}: values`);
      if (basic && (ts === undefined || typeof ts === "string" || Array.isArray(ts))) {
        const specs = ts === undefined ? [] : typeof ts === "string" ? [ts] : ts as SliceSpec[];
        const v = a.slice(...specs);
        assert.deepEqual([...v.shape], want[i].shape, `${py}: NDArray.slice shape`);
        assert.deepEqual([...v.flat()].map(Number), want[i].values, `${py}: NDArray.slice values`);
      }
      if (!basic) {
        assert.throws(() => indexSelection(shape, ts, { caller: "X.slice" }), {
          name: "TypeError",
          message: /^(Integer index arrays|Boolean masks) are not supported by X\.slice: axis \d$/,
        });
      }
    });
  },
});

Deno.test("indexSelection() names the caller, the form and the axis of what it refuses", () => {
  assert.throws(() => indexSelection([5, 4], [":", [0, 2]], { caller: "DistArray.slice" }), {
    name: "TypeError",
    message: "Integer index arrays are not supported by DistArray.slice: axis 1",
  });
  assert.throws(() => indexSelection([4], [[T, F, T, F]], { caller: "NDArray.slice" }), {
    name: "TypeError",
    message: "Boolean masks are not supported by NDArray.slice: axis 0",
  });
  assert.throws(() => indexSelection([4], "None, 1", { caller: "a plot", newAxes: false }), {
    name: "TypeError",
    message: "New axes (None) are not supported by a plot: part 0",
  });
  assert.throws(() => indexSelection([4], "::-1", { caller: "a region", negativeSteps: false }), {
    name: "RangeError",
    message: "Invalid step -1 on axis 0: negative steps are not supported by a region",
  });
  assert.throws(() => indexSelection([4, 4], [[0], [1]], { arrays: true }), {
    name: "TypeError",
    message:
      /^Index arrays on more than one axis are not supported by this selection: axes 0 and 1/,
  });
  assert.throws(() => indexSelection([4], [[T, F]], { arrays: true }), {
    name: "RangeError",
    message: "Boolean mask of length 2 does not match axis 0 with size 4",
  });
  assert.throws(() => indexSelection([4, 5], "0, 5"), {
    name: "RangeError",
    message: "Index 5 is outside axis 1 of shape [4,5]",
  });
  assert.throws(() => indexSelection([4, 5], "0, 1, 2"), {
    name: "RangeError",
    message: "Too many indices: the selection has 3 axes, the array has 2: shape [4,5]",
  });
  assert.throws(() => indexSelection([4], "..., ..."), RangeError);
  assert.throws(() => indexSelection([4], "1:2:0"), RangeError);
  assert.throws(() => indexSelection([4], "1::x"), SyntaxError);
  assert.throws(() => indexSelection([4], [{ start: 1.5 }]), {
    name: "RangeError",
    message: "Invalid slice start 1.5 for axis 0: must be an integer",
  });
  assert.throws(() => indexSelection([4], [{ stop: "2" as unknown as number }]), {
    name: "TypeError",
    message: 'Invalid slice stop "2" for axis 0: expected an integer',
  });
  assert.throws(() => indexSelection([4], [{ begin: 1 } as never]), {
    name: "TypeError",
    message: /unknown key "begin"/,
  });
  assert.throws(() => indexSelection([4], [NaN]), RangeError);
  assert.throws(() => indexSelection([4], [undefined as never]), TypeError);
  assert.throws(() => indexSelection([4], 7 as never), TypeError);
  assert.throws(() => indexSelection([4], null as never), TypeError);
});

Deno.test("toRegion() refuses malformed regions with a typed error naming the field", () => {
  const shape = [10, 20];
  const bad: [unknown, string, RegExp][] = [
    [{ start: [0, 0], stop: [5, 5] }, "TypeError", /unknown key "stop"/],
    [{}, "TypeError", /missing "start"/],
    [{ start: [0, 0] }, "TypeError", /missing "count"/],
    [{ start: [0, 0], count: [2, 2], step: [NaN, 1] }, "RangeError", /step\[0\] NaN/],
    [{ start: [0, 0], count: [2, 2], step: [1.5, 1] }, "RangeError", /step\[0\] 1\.5/],
    [{ start: [0, 0], count: [2, 2], step: [1] }, "RangeError", /Region step has 1 axes/],
    [
      { start: [0, 0], count: [2, 2], step: [0, 1] },
      "RangeError",
      /step\[0\] 0: must be an integer >= 1/,
    ],
    [{ start: [0, "1"], count: [2, 2] }, "TypeError", /start\[1\] "1"/],
    [{ start: [0, 0], count: 2 }, "TypeError", /count 2: expected one integer per axis/],
    [{ start: [-1, 0], count: [2, 2] }, "RangeError", /start\[0\] -1/],
    [
      { start: [9, 0], count: [2, 2] },
      "RangeError",
      /Region \[9:11,0:2\] is outside shape \[10,20\] on axis 0/,
    ],
    [[[0, 1]], "TypeError", /Integer index arrays are not supported by a region: axis 0/],
    ["None", "TypeError", /New axes/],
    ["::-1", "RangeError", /negative steps/],
    [null, "TypeError", /Invalid selection null/],
    [5, "TypeError", /Invalid selection 5/],
  ];
  for (const [region, name, message] of bad) {
    assert.throws(
      () => toRegion(shape, region as RegionLike),
      { name, message },
      JSON.stringify(region),
    );
  }
  assert.throws(() => toRegion(shape, {} as never, { context: 'Cannot read "x.npy"' }), {
    name: "TypeError",
    message: /^Cannot read "x\.npy": Invalid region \{\}: missing "start"$/,
  });
  // integers keep their axis; "..." is allowed
  assert.deepEqual(toRegion(shape, "..., 3"), { start: [0, 3], step: [1, 1], count: [10, 1] });
});

Deno.test("selectionRegion() reads negative steps forwards and says which axes to reverse", () => {
  const shape = [10, 6];
  const sel = indexSelection(shape, "8:1:-3, 2");
  const { region, reverse } = selectionRegion(sel);
  assert.deepEqual(region, { start: [2, 2], step: [3, 1], count: [3, 1] });
  assert.deepEqual(reverse, [0]);
});

Deno.test("grid helpers: blockCount, balancedBounds, blockOf, blockRegion", () => {
  assert.equal(blockCount(10, 3), 4);
  assert.throws(() => blockCount(10, 0), RangeError);
  assert.deepEqual(balancedBounds(10, 4), [0, 3, 6, 8, 10]);
  assert.deepEqual(balancedBounds(2, 4), [0, 1, 2, 2, 2]);
  assert.equal(blockOf([0, 1, 2, 2, 2], 1), 1);
  assert.equal(blockOf([0, 3, 3, 7], 3), 2);
  assert.deepEqual(blockRegion([10, 7], { edges: [[0, 3, 10], [0, 7]] }, [1, 0]), {
    start: [3, 0],
    step: [1, 1],
    count: [7, 7],
  });
  assert.throws(() => blockRegion([10], [4], [3]), RangeError);
  assert.deepEqual(projectAxis(5, 100, 1, 4), [{
    block: 1,
    start: 1,
    step: 100,
    count: 1,
    out: 0,
  }]);
});

const regionCase = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 0, maxLength: 3 })
  .chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.tuple(...shape.map((n) =>
        fc.record({
          start: fc.integer({ min: 0, max: Math.max(0, n - 1) }),
          step: fc.integer({ min: 1, max: 5 }),
          want: fc.integer({ min: 0, max: n }),
        })
      )),
      fc.tuple(...shape.map((n) =>
        fc.oneof(
          fc.integer({ min: 1, max: n + 2 }),
          fc.uniqueArray(fc.integer({ min: 0, max: n }), { maxLength: 4 }).map((cuts) => {
            const inner = cuts.filter((c) => c > 0 && c < n).sort((a, b) => a - b);
            return [0, ...inner, ...(cuts.length % 2 ? [inner.at(-1) ?? 0] : []), n]
              .sort((a, b) => a - b);
          }),
        )
      )),
    )
  );

function specsOf(r: Region): SliceSpec[] {
  return r.start.map((s, i) => ({
    start: s,
    stop: r.count[i] > 0 ? s + (r.count[i] - 1) * r.step[i] + 1 : s,
    step: r.step[i],
  }));
}

Deno.test("projectRegion() pieces, assembled block by block, equal a direct slice", () => {
  fc.assert(
    fc.property(regionCase, ([shape, axes, blocks]) => {
      const count = axes.map((a, i) =>
        shape[i] === 0 ? 0 : Math.min(a.want, Math.floor((shape[i] - 1 - a.start) / a.step) + 1)
      );
      const region: Region = {
        start: axes.map((a) => a.start),
        step: axes.map((a) => a.step),
        count,
      };
      const regular = blocks.every((b) => typeof b === "number");
      const grid: BlockGrid = regular
        ? blocks as number[]
        : { edges: blocks.map((b, i) => typeof b === "number" ? regularEdges(shape[i], b) : b) };
      const a = base(shape);
      const out = zeros(count, "float64");
      let covered = 0;
      for (const p of projectRegion(region, grid)) {
        const block = a.slice(...specsOf(blockRegion(shape, grid, p.coords)));
        p.within.start.forEach((s, i) => {
          const last = s + (p.within.count[i] - 1) * p.within.step[i];
          assert.ok(s >= 0 && last < block.shape[i], "the piece lies inside its block");
        });
        copyInto(out.slice(...specsOf(p.out)), block.slice(...specsOf(p.within)));
        covered += p.out.count.reduce((x, y) => x * y, 1);
      }
      const direct = a.slice(...specsOf(region));
      assert.equal(covered, direct.size);
      assert.deepEqual([...out.flat()], [...direct.flat()]);
    }),
    { numRuns: 1000 },
  );
});

function regularEdges(n: number, b: number): number[] {
  const e: number[] = [];
  for (let x = 0; x < n; x += b) e.push(x);
  e.push(n);
  return e;
}

const junk = fc.oneof(
  fc.integer({ min: -12, max: 12 }),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, 0.5, -0, 2 ** 60, null, undefined, "...", true),
  fc.string({ maxLength: 8 }),
  fc.constantFrom("1:", "::-1", "::0", ":", "None", "a", "1:2:3:4", " ", "1,2", "--1"),
  fc.bigInt({ min: -3n, max: 3n }),
);
const junkSlice = fc.record(
  { start: junk, stop: junk, step: junk, count: junk, foo: junk },
  { requiredKeys: [] },
);
const junkPart = fc.oneof(
  junk,
  junkSlice,
  fc.array(junk, { maxLength: 4 }),
  fc.array(fc.boolean(), { maxLength: 6 }),
  fc.array(fc.integer({ min: -8, max: 8 }), { maxLength: 4 }),
);
const junkRegion = fc.record(
  {
    start: fc.oneof(junk, fc.array(junk, { maxLength: 3 })),
    stop: fc.oneof(junk, fc.array(junk, { maxLength: 3 })),
    step: fc.oneof(junk, fc.array(junk, { maxLength: 3 })),
    count: fc.oneof(junk, fc.array(junk, { maxLength: 3 })),
    other: junk,
  },
  { requiredKeys: [] },
);
const junkSelection = fc.oneof(
  junk,
  junkRegion,
  fc.array(junkPart, { maxLength: 4 }),
  fc.anything(),
);

function typed(e: unknown): boolean {
  return e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError;
}

Deno.test("indexSelection(), toRegion() and NDArray.slice() give only typed errors for junk", () => {
  const shape = [3, 4];
  const a = base(shape);
  fc.assert(
    fc.property(junkSelection, (sel) => {
      for (
        const fn of [
          () => indexSelection(shape, sel as RegionLike, { arrays: true }),
          () => toRegion(shape, sel as RegionLike),
          () => a.slice(...(Array.isArray(sel) ? sel : [sel]) as SliceSpec[]),
        ]
      ) {
        try {
          fn();
        } catch (e) {
          assert.ok(typed(e), `${(e as Error)?.name}: ${(e as Error)?.message}`);
        }
      }
      // whatever is accepted as a region fits the shape; an object without count never is
      let r: Region | null = null;
      try {
        r = toRegion(shape, sel as RegionLike);
      } catch { /* typed, checked above */ }
      if (r !== null) {
        assert.ok(
          typeof sel !== "object" || sel === null || Array.isArray(sel) || "count" in sel,
          "a region object without count is refused",
        );
        r.start.forEach((s, i) => {
          assert.ok(Number.isSafeInteger(s) && s >= 0);
          assert.ok(Number.isSafeInteger(r!.step[i]) && r!.step[i] >= 1);
          assert.ok(Number.isSafeInteger(r!.count[i]) && r!.count[i] >= 0);
          assert.ok(r!.count[i] === 0 || s + (r!.count[i] - 1) * r!.step[i] < shape[i]);
        });
      }
    }),
    { numRuns: 4000 },
  );
});

Deno.test("NDArray.slice() views equal the indexer's selection for random basic selections", () => {
  const part = (n: number) =>
    fc.oneof(
      fc.integer({ min: -n, max: n - 1 }),
      fc.record({
        start: fc.option(fc.integer({ min: -n - 2, max: n + 2 })),
        stop: fc.option(fc.integer({ min: -n - 2, max: n + 2 })),
        step: fc.option(fc.integer({ min: -4, max: 4 }).filter((s) => s !== 0)),
      }),
    );
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }).chain((shape) =>
        fc.tuple(
          fc.constant(shape),
          fc.tuple(...shape.map(part)),
          fc.array(fc.nat({ max: shape.length }), { maxLength: 2 }),
        )
      ),
      ([shape, parts, newAxes]) => {
        const specs: SliceSpec[] = [...parts];
        for (const at of newAxes) specs.splice(at, 0, null);
        const a = base(shape);
        const sel = indexSelection(shape, specs as SliceSpec[]);
        const v: NDArray = a.slice(...specs as SliceSpec[]);
        assert.deepEqual([...v.shape], [...sel.outShape]);
        assert.deepEqual([...v.flat()], take(a, sel));
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("NDArray.slice() takes a string with commas as several axes", () => {
  const a = base([4, 5]);
  assert.deepEqual(a.slice("1:3, 2").toArray(), [7, 12]);
  assert.ok(a.slice("1:3, 2") instanceof NDArray);
});
