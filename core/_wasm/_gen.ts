// Code generation of the reduction kernels (sum, sum of squared deviations,
// min/max, column sums over rows) for float32 and float64. The JS wrappers
// are in kernels.ts; the summation scheme is documented there.

import { Code, ModuleBuilder, Op, Simd, T, VOID } from "./_builder.ts";

/** Element kinds the kernels are specialised for. */
export type Fl = "f32" | "f64";

/** Elements per block of the 1-D sums: lanes sum at most BLOCK / 8 values before a compensated combine. */
export const BLOCK = 2048;
/** Rows summed plainly into the scratch vector before a compensated add into the accumulator. */
export const ROW_GROUP = 64;
/**
 * Columns per tile of the row kernels (the scratch vector holds up to TILE
 * float64, 128 KiB: L2-resident). Rows up to TILE columns are read purely
 * sequentially; measured 2-3x faster than 1024-column tiles at 4096 columns.
 */
export const TILE = 16384;

const ES: Record<Fl, number> = { f32: 4, f64: 8 };
const ZERO = new Float64Array(2);

const { i32, f64, v128 } = T;

/** block { loop { <body> } } with br depths 1 = exit, 0 = continue. */
function loop(c: Code, body: () => void): void {
  c.op(Op.block, VOID, Op.loop, VOID);
  body();
  c.op(Op.end, Op.end);
}

/** `if (get(a) >= get(b)) break` inside {@link loop} (unsigned). */
function exitIfGe(c: Code, a: number, b: number): void {
  c.get(a).get(b).op(Op.i32_ge_u, Op.br_if, 1);
}

/** local x += n (i32). */
function inc(c: Code, x: number, n: number | (() => void)): void {
  c.get(x);
  if (typeof n === "number") c.i32(n);
  else n();
  c.op(Op.i32_add).set(x);
}

/** dst = min(get(a) + n, get(lim)) (unsigned). */
function minAdd(c: Code, dst: number, a: number, n: number, lim: number): void {
  c.get(a).i32(n).op(Op.i32_add).tee(dst).get(lim).op(Op.i32_gt_u, Op.if, VOID);
  c.get(lim).set(dst).op(Op.end);
}

/** Neumaier step on f64 locals: s, comp += x. Uses `t`. */
function neumaier(c: Code, s: number, comp: number, x: number, t: number): void {
  c.get(s).get(x).op(Op.f64_add).set(t);
  c.get(comp);
  c.get(s).get(t).op(Op.f64_sub).get(x).op(Op.f64_add);
  c.get(x).get(t).op(Op.f64_sub).get(s).op(Op.f64_add);
  c.get(s).op(Op.f64_abs).get(x).op(Op.f64_abs).op(Op.f64_ge);
  c.op(Op.select, Op.f64_add).set(comp);
  c.get(t).set(s);
}

/** Pushes the f64 value of the scalar element at address `p` (+ offset). */
function scalarLoad(c: Code, d: Fl, p: number, offset = 0): void {
  c.get(p);
  if (d === "f32") c.mem(Op.f32_load, 2, offset).op(Op.f64_promote_f32);
  else c.mem(Op.f64_load, 3, offset);
}

/** Squares the f64 on the stack minus `mean` (an f64 local), using temp `t`. */
function sqDev(c: Code, mean: number, t: number): void {
  c.get(mean).op(Op.f64_sub).tee(t).get(t).op(Op.f64_mul);
}

/** Same on f64x2: (v - mv)^2 with temp `t` (v128). */
function sqDevV(c: Code, pushMean: () => void, t: number): void {
  pushMean();
  c.simd(Simd.f64x2_sub).tee(t).get(t).simd(Simd.f64x2_mul);
}

/**
 * `sum<D>(p, end, s, comp) -> (s, comp)` and `ssd<D>(p, end, s, comp, mean)`.
 * Elements of a group of 8 go to 4 f64x2 accumulators (element i to
 * accumulator (i%8)>>1, lane i&1); every BLOCK elements the lanes are combined
 * as ((a0+a1)+(a2+a3)), lane0+lane1, and Neumaier-added into (s, comp). The
 * tail (fewer than 8 elements) is summed in order into one f64 and
 * Neumaier-added last.
 */
function genSum(m: ModuleBuilder, d: Fl, sq: boolean): void {
  const es = ES[d];
  const gb = 8 * es; // bytes per group
  const params = sq ? [i32, i32, f64, f64, f64] : [i32, i32, f64, f64];
  m.func(`${sq ? "ssd" : "sum"}${d.toUpperCase()}`, params, [f64, f64], (c) => {
    const P = 0, E = 1, S = 2, CMP = 3, MEAN = 4;
    const full = c.local(i32), blk = c.local(i32);
    const acc = [0, 1, 2, 3].map(() => c.local(v128));
    const mv = c.local(v128), tv = c.local(v128);
    const b = c.local(f64), t = c.local(f64);
    c.get(P).get(E).get(P).op(Op.i32_sub).i32(~(gb - 1)).op(Op.i32_and, Op.i32_add).set(full);
    if (sq) c.get(MEAN).simd(Simd.f64x2_splat).set(mv);
    loop(c, () => {
      exitIfGe(c, P, full);
      minAdd(c, blk, P, BLOCK * es, full);
      for (const a of acc) c.vconst(ZERO).set(a);
      c.op(Op.loop, VOID);
      for (let k = 0; k < 4; k++) {
        c.get(acc[k]).get(P);
        if (d === "f32") {
          c.vmem(Simd.v128_load64_zero, 8 * k, 3).simd(Simd.f64x2_promote_low_f32x4);
        } else c.vmem(Simd.v128_load, 16 * k);
        if (sq) sqDevV(c, () => c.get(mv), tv);
        c.simd(Simd.f64x2_add).set(acc[k]);
      }
      inc(c, P, gb);
      c.get(P).get(blk).op(Op.i32_lt_u, Op.br_if, 0, Op.end);
      c.get(acc[0]).get(acc[1]).simd(Simd.f64x2_add);
      c.get(acc[2]).get(acc[3]).simd(Simd.f64x2_add).simd(Simd.f64x2_add).tee(tv);
      c.simd(Simd.f64x2_extract_lane, 0).get(tv).simd(Simd.f64x2_extract_lane, 1);
      c.op(Op.f64_add).set(b);
      neumaier(c, S, CMP, b, t);
      c.op(Op.br, 0);
    });
    c.f64(0).set(b);
    loop(c, () => {
      exitIfGe(c, P, E);
      c.get(b);
      scalarLoad(c, d, P);
      if (sq) sqDev(c, MEAN, t);
      c.op(Op.f64_add).set(b);
      inc(c, P, es);
      c.op(Op.br, 0);
    });
    neumaier(c, S, CMP, b, t);
    c.get(S).get(CMP);
  });
}

/**
 * `minmax<D>(p, end) -> (min, max)`: pmin/pmax over two vector
 * accumulators (NaN never enters them) and a NaN mask; any NaN gives
 * (NaN, NaN). Empty input gives (+Infinity, -Infinity).
 */
function genMinMax(m: ModuleBuilder, d: Fl): void {
  const es = ES[d];
  const f = d === "f32"
    ? {
      pmin: Simd.f32x4_pmin,
      pmax: Simd.f32x4_pmax,
      ne: Simd.f32x4_ne,
      splat: Simd.f32x4_splat,
      lanes: 4,
      ext: Simd.f32x4_extract_lane,
      min: Op.f32_min,
      max: Op.f32_max,
    }
    : {
      pmin: Simd.f64x2_pmin,
      pmax: Simd.f64x2_pmax,
      ne: Simd.f64x2_ne,
      splat: Simd.f64x2_splat,
      lanes: 2,
      ext: Simd.f64x2_extract_lane,
      min: Op.f64_min,
      max: Op.f64_max,
    };
  m.func(`minmax${d.toUpperCase()}`, [i32, i32], [f64, f64], (c) => {
    const P = 0, E = 1;
    const full = c.local(i32);
    const mn = [c.local(v128), c.local(v128)], mx = [c.local(v128), c.local(v128)];
    const nan = c.local(v128), v = c.local(v128);
    const smn = c.local(f64), smx = c.local(f64);
    const konst = (x: number): void => {
      if (d === "f32") c.f32(x);
      else c.f64(x);
    };
    c.get(P).get(E).get(P).op(Op.i32_sub).i32(~31).op(Op.i32_and, Op.i32_add).set(full);
    for (let k = 0; k < 2; k++) {
      konst(Infinity);
      c.simd(f.splat).set(mn[k]);
      konst(-Infinity);
      c.simd(f.splat).set(mx[k]);
    }
    loop(c, () => {
      exitIfGe(c, P, full);
      for (let k = 0; k < 2; k++) {
        c.get(P).vmem(Simd.v128_load, 16 * k).set(v);
        c.get(mn[k]).get(v).simd(f.pmin).set(mn[k]);
        c.get(mx[k]).get(v).simd(f.pmax).set(mx[k]);
        c.get(nan).get(v).get(v).simd(f.ne).simd(Simd.v128_or).set(nan);
      }
      inc(c, P, 32);
      c.op(Op.br, 0);
    });
    // horizontal: no NaN in the accumulators, so min/max are exact here
    const sides = [
      { acc: mn, op: f.min, vop: f.pmin, dst: smn },
      { acc: mx, op: f.max, vop: f.pmax, dst: smx },
    ];
    for (const { acc, op, vop, dst } of sides) {
      c.get(acc[0]).get(acc[1]).simd(vop).set(v);
      c.get(v).simd(f.ext, 0);
      for (let l = 1; l < f.lanes; l++) c.get(v).simd(f.ext, l).op(op);
      if (d === "f32") c.op(Op.f64_promote_f32);
      c.set(dst);
    }
    loop(c, () => {
      exitIfGe(c, P, E);
      c.get(smn);
      scalarLoad(c, d, P);
      c.op(Op.f64_min).set(smn);
      c.get(smx);
      scalarLoad(c, d, P);
      c.op(Op.f64_max).set(smx);
      inc(c, P, es);
      c.op(Op.br, 0);
    });
    c.f64(NaN).get(smn).get(nan).simd(Simd.v128_any_true).op(Op.select);
    c.f64(NaN).get(smx).get(nan).simd(Simd.v128_any_true).op(Op.select);
  });
}

/**
 * `rows<D>(a, rows, cols, acc, comp, scratch)` and
 * `ssdRows<D>(a, rows, cols, acc, comp, scratch, mean)`: for each column j,
 * per group of ROW_GROUP rows g = f(a[r0,j]) + f(a[r0+1,j]) + ... (in row
 * order, in f64), then Neumaier (acc[j], comp[j]) += g. f(x) = x or
 * (x - mean[j])^2. Vector columns are processed in tiles of TILE columns with
 * `scratch` (TILE float64) holding the group sums (4 rows are added in
 * registers per sweep of the scratch, in row order); the last cols % (16/es)
 * columns run scalar with the same arithmetic, so every column gets exactly
 * the same result as the scalar definition.
 */
function genRows(m: ModuleBuilder, d: Fl, sq: boolean): void {
  const es = ES[d];
  const lanes = 16 / es;
  const params = sq ? [i32, i32, i32, i32, i32, i32, i32] : [i32, i32, i32, i32, i32, i32];
  m.func(`${sq ? "ssdRows" : "rows"}${d.toUpperCase()}`, params, [], (c) => {
    const A = 0, R = 1, C = 2, ACC = 3, COMP = 4, SCR = 5, MEAN = 6;
    const colsVec = c.local(i32), rowB = c.local(i32);
    const c0 = c.local(i32), c1 = c.local(i32), r0 = c.local(i32), r1 = c.local(i32);
    const r = c.local(i32), pa = c.local(i32), pend = c.local(i32), ps = c.local(i32);
    const pm = c.local(i32), pc = c.local(i32), col = c.local(i32);
    const vs = c.local(v128), vx = c.local(v128), vt = c.local(v128);
    const g = c.local(f64), s = c.local(f64), cmp = c.local(f64), t = c.local(f64);
    const mean = c.local(f64);
    c.get(C).i32(~(lanes - 1)).op(Op.i32_and).set(colsVec);
    c.get(C).i32(es).op(Op.i32_mul).set(rowB);

    const rb2 = c.local(i32), rb3 = c.local(i32), vm = c.local(v128);
    c.get(rowB).i32(2).op(Op.i32_mul).set(rb2);
    c.get(rowB).i32(3).op(Op.i32_mul).set(rb3);
    const rbk = [-1, rowB, rb2, rb3];

    // K consecutive rows from row r into the scratch vector, added in row
    // order in registers (((g + x0) + x1) + ...), so the result is the same
    // as adding one row at a time; `init` starts from x0 instead of g.
    const rows = (init: boolean, K: number): void => {
      // pa = A + r*rowB + c0*es; pend = A + r*rowB + c1*es; ps = SCR; pm = MEAN + c0*8
      c.get(A).get(r).get(rowB).op(Op.i32_mul, Op.i32_add).tee(pa).set(pend);
      inc(c, pa, () => c.get(c0).i32(es).op(Op.i32_mul));
      inc(c, pend, () => c.get(c1).i32(es).op(Op.i32_mul));
      c.get(SCR).set(ps);
      if (sq) c.get(MEAN).get(c0).i32(8).op(Op.i32_mul, Op.i32_add).set(pm);
      c.op(Op.loop, VOID);
      const halves = d === "f32" ? 2 : 1;
      for (let h = 0; h < halves; h++) {
        if (sq) c.get(pm).vmem(Simd.v128_load, 16 * h).set(vm);
        c.get(ps);
        if (!init) c.get(ps).vmem(Simd.v128_load, 16 * h);
        for (let i = 0; i < K; i++) {
          c.get(pa);
          if (i > 0) c.get(rbk[i]).op(Op.i32_add);
          if (d === "f32") {
            c.vmem(Simd.v128_load64_zero, 8 * h, 3).simd(Simd.f64x2_promote_low_f32x4);
          } else c.vmem(Simd.v128_load, 0);
          if (sq) sqDevV(c, () => c.get(vm), vt);
          if (!init || i > 0) c.simd(Simd.f64x2_add);
        }
        c.vmem(Simd.v128_store, 16 * h);
      }
      inc(c, pa, 16);
      inc(c, ps, 16 * halves);
      if (sq) inc(c, pm, 16 * halves);
      c.get(pa).get(pend).op(Op.i32_lt_u, Op.br_if, 0, Op.end);
    };

    // vector columns, tile by tile
    c.i32(0).set(c0);
    loop(c, () => {
      exitIfGe(c, c0, colsVec);
      minAdd(c, c1, c0, TILE, colsVec);
      c.i32(0).set(r0);
      loop(c, () => {
        exitIfGe(c, r0, R);
        minAdd(c, r1, r0, ROW_GROUP, R);
        c.get(r0).set(r);
        // first rows initialise the scratch, then 4 rows per sweep, then single rows
        c.get(r).i32(4).op(Op.i32_add).get(r1).op(Op.i32_le_u, Op.if, VOID);
        rows(true, 4);
        inc(c, r, 4);
        c.op(Op.else);
        rows(true, 1);
        inc(c, r, 1);
        c.op(Op.end);
        loop(c, () => {
          c.get(r).i32(4).op(Op.i32_add).get(r1).op(Op.i32_gt_u, Op.br_if, 1);
          rows(false, 4);
          inc(c, r, 4);
          c.op(Op.br, 0);
        });
        loop(c, () => {
          exitIfGe(c, r, r1);
          rows(false, 1);
          inc(c, r, 1);
          c.op(Op.br, 0);
        });
        // Neumaier (acc, comp)[c0..c1] += scratch
        c.get(SCR).set(ps);
        c.get(ACC).get(c0).i32(8).op(Op.i32_mul, Op.i32_add).set(pa);
        c.get(ACC).get(c1).i32(8).op(Op.i32_mul, Op.i32_add).set(pend);
        c.get(COMP).get(c0).i32(8).op(Op.i32_mul, Op.i32_add).set(pc);
        c.op(Op.loop, VOID);
        c.get(pa).vmem(Simd.v128_load).set(vs);
        c.get(ps).vmem(Simd.v128_load).set(vx);
        c.get(vs).get(vx).simd(Simd.f64x2_add).set(vt);
        c.get(pc).get(pc).vmem(Simd.v128_load);
        c.get(vs).get(vt).simd(Simd.f64x2_sub).get(vx).simd(Simd.f64x2_add);
        c.get(vx).get(vt).simd(Simd.f64x2_sub).get(vs).simd(Simd.f64x2_add);
        c.get(vs).simd(Simd.f64x2_abs).get(vx).simd(Simd.f64x2_abs).simd(Simd.f64x2_ge);
        c.simd(Simd.v128_bitselect).simd(Simd.f64x2_add).vmem(Simd.v128_store);
        c.get(pa).get(vt).vmem(Simd.v128_store);
        inc(c, pa, 16);
        inc(c, ps, 16);
        inc(c, pc, 16);
        c.get(pa).get(pend).op(Op.i32_lt_u, Op.br_if, 0, Op.end);
        c.get(r1).set(r0);
        c.op(Op.br, 0);
      });
      c.get(c1).set(c0);
      c.op(Op.br, 0);
    });

    // remaining columns, scalar, same arithmetic
    c.get(colsVec).set(col);
    loop(c, () => {
      exitIfGe(c, col, C);
      if (sq) c.get(MEAN).get(col).i32(8).op(Op.i32_mul, Op.i32_add).mem(Op.f64_load, 3).set(mean);
      c.i32(0).set(r0);
      loop(c, () => {
        exitIfGe(c, r0, R);
        minAdd(c, r1, r0, ROW_GROUP, R);
        c.get(A).get(r0).get(rowB).op(Op.i32_mul, Op.i32_add).get(col).i32(es);
        c.op(Op.i32_mul, Op.i32_add).set(pa);
        scalarLoad(c, d, pa);
        if (sq) sqDev(c, mean, t);
        c.set(g);
        c.get(r0).i32(1).op(Op.i32_add).set(r);
        loop(c, () => {
          exitIfGe(c, r, r1);
          inc(c, pa, () => c.get(rowB));
          c.get(g);
          scalarLoad(c, d, pa);
          if (sq) sqDev(c, mean, t);
          c.op(Op.f64_add).set(g);
          inc(c, r, 1);
          c.op(Op.br, 0);
        });
        c.get(ACC).get(col).i32(8).op(Op.i32_mul, Op.i32_add).set(pc);
        c.get(pc).mem(Op.f64_load, 3).set(s);
        c.get(pc).get(COMP).get(ACC).op(Op.i32_sub, Op.i32_add).mem(Op.f64_load, 3).set(cmp);
        neumaier(c, s, cmp, g, t);
        c.get(pc).get(s).mem(Op.f64_store, 3);
        c.get(pc).get(COMP).get(ACC).op(Op.i32_sub, Op.i32_add).get(cmp).mem(Op.f64_store, 3);
        c.get(r1).set(r0);
        c.op(Op.br, 0);
      });
      inc(c, col, 1);
      c.op(Op.br, 0);
    });
  });
}

/**
 * The reduction module's binary for a memory of `maximumPages`.
 *
 * @returns The bytes; exports sum/ssd/minmax/rows/ssdRows + F32/F64.
 */
export function reductionModule(maximumPages: number, shared: boolean): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder({ initial: 1, maximum: maximumPages, shared });
  for (const d of ["f32", "f64"] as const) {
    genSum(m, d, false);
    genSum(m, d, true);
    genMinMax(m, d);
    genRows(m, d, false);
    genRows(m, d, true);
  }
  return m.build();
}
