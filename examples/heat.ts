// A 2-D heat equation (explicit five-point stencil, fixed boundary values) on
// a padded block distribution over a 2-D process grid: every step exchanges
// the one-cell halos with the neighbours (exchangeHalos) and updates the
// owned interior cells, never gathering the field. At the end the field is
// gathered once and compared with the same steps computed in one process on
// an NDArray; the maximum absolute difference is printed and the exit code
// is 1 when it exceeds 1e-12.
//
//   deno run -A examples/heat.ts
//   mpiexec -n 4 deno run -A examples/heat.ts --nx 200 --ny 120 --steps 500

import { parseArgs } from "node:util";
import { dimsCreate, DistArray, Distribution, init } from "../dist/mod.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    nx: { type: "string", default: "96" },
    ny: { type: "string", default: "64" },
    steps: { type: "string", default: "200" },
  },
});
const NX = Number(opts.nx);
const NY = Number(opts.ny);
const STEPS = Number(opts.steps);
const R = 0.2; // diffusion number: stable below 0.25

/** Initial field: a hot edge at i = 0, a smooth bump inside, zero elsewhere on the boundary. */
function initial([i, j]: number[]): number {
  if (i === 0) return 1;
  if (i === NX - 1 || j === 0 || j === NY - 1) return 0;
  return 0.5 * Math.sin(0.3 * i) * Math.cos(0.2 * j);
}

await using comm = await init();
const t0 = performance.now();
const grid = dimsCreate(comm.size, 2);
const dist = Distribution.create([NX, NY], {
  dist: [{ type: "b", padding: [1, 1] }, { type: "b", padding: [1, 1] }],
  grid,
  commSize: comm.size,
});
let u = DistArray.fromFunction(comm, dist, { fn: initial });
let v = u.copy();

// owned interior cells of the local block, and the local strides
const gi = dist.globalIndices(0, comm.rank);
const gj = dist.globalIndices(1, comm.rank);
const [ln, lm] = u.localShape;
const cells: number[] = [];
for (let a = 0; a < ln; a++) {
  for (let b = 0; b < lm; b++) {
    const [i, j] = [gi[a], gj[b]];
    const owned = dist.owner([i, j]) === comm.rank;
    if (owned && i > 0 && i < NX - 1 && j > 0 && j < NY - 1) cells.push(a * lm + b);
  }
}
for (let s = 0; s < STEPS; s++) {
  u.exchangeHalos();
  const src = u.local.data as Float64Array;
  const dst = v.local.data as Float64Array;
  for (const k of cells) {
    const c = src[k];
    dst[k] = c + R * (src[k - lm] + src[k + lm] + src[k - 1] + src[k + 1] - 4 * c);
  }
  [u, v] = [v, u];
}
const field = u.toNDArray(0);
const total = u.sum().get() as number; // the same bits on any number of ranks
const secs = (performance.now() - t0) / 1000;

let diff = 0;
if (comm.rank === 0) {
  // the same steps in one process
  let a = new Float64Array(NX * NY);
  let b = new Float64Array(NX * NY);
  for (let i = 0; i < NX; i++) for (let j = 0; j < NY; j++) a[i * NY + j] = initial([i, j]);
  b.set(a);
  for (let s = 0; s < STEPS; s++) {
    for (let i = 1; i < NX - 1; i++) {
      for (let j = 1; j < NY - 1; j++) {
        const k = i * NY + j;
        const c = a[k];
        b[k] = c + R * (a[k - NY] + a[k + NY] + a[k - 1] + a[k + 1] - 4 * c);
      }
    }
    [a, b] = [b, a];
  }
  const got = field!.data as Float64Array;
  for (let k = 0; k < a.length; k++) diff = Math.max(diff, Math.abs(got[k] - a[k]));
  console.log(
    `heat ${NX}x${NY}, ${STEPS} steps on ${comm.size} rank(s), grid [${grid}]: total ${total}, ` +
      `max |distributed - one process| = ${diff} (${secs.toFixed(2)} s)`,
  );
}
diff = comm.bcastJson(diff);
if (!(diff <= 1e-12)) Deno.exitCode = 1;
