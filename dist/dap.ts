/**
 * The Distributed Array Protocol (v0.10): export a rank's view of a
 * {@link Distribution} as `{ __version__, buffer, dim_data }`, and rebuild a
 * distribution from every rank's `dim_data`.
 *
 * Block axes report `start`/`stop` of the local block including its
 * communication padding (so `stop - start` is the buffer's length, as the
 * protocol requires) and `padding` as given; boundary padding is part of the
 * owned range. On a periodic axis the halo of the first and last blocks wraps
 * around, so there `start` may be negative and `stop` may exceed `size`
 * (indices are taken modulo `size`).
 *
 * @module
 */

// deno-lint-ignore-file camelcase

import { Distribution } from "./distribution.ts";
import type { AxisSpec } from "./distribution.ts";

/** One dimension dictionary of the protocol. */
export interface DimData {
  /** `b` block, `c` cyclic, `u` unstructured; `n` (not distributed) is accepted on import. */
  readonly dist_type: "b" | "c" | "u" | "n";
  /** Global length of the axis. */
  readonly size: number;
  /** Number of grid positions along the axis. */
  readonly proc_grid_size: number;
  /** This rank's grid position along the axis. */
  readonly proc_grid_rank: number;
  /** First global index of the local block (`b`), or of the first owned block (`c`). */
  readonly start?: number;
  /** End of the local block (`b`). */
  readonly stop?: number;
  /** Block size (`c`, default 1). */
  readonly block_size?: number;
  /** Padding [before, after] (`b`). */
  readonly padding?: readonly [number, number];
  /** Whether the axis is periodic (`b`). */
  readonly periodic?: boolean;
  /** Global indices of the local block (`u`). */
  readonly indices?: ArrayLike<number>;
}

/** What `__distarray__()` returns on one rank. */
export interface DistBuffer<B> {
  /** Protocol version. */
  readonly __version__: "0.10.0";
  /** The local block. */
  readonly buffer: B;
  /** One dimension dictionary per axis. */
  readonly dim_data: DimData[];
}

/**
 * The dimension dictionaries of one rank.
 *
 * @param dist The distribution.
 * @param rank A rank in its process grid.
 * @returns One dictionary per axis.
 * @throws {RangeError} When the rank is not in the process grid.
 *
 * @example
 * ```ts
 * import { Distribution } from "./distribution.ts";
 * import { dimData } from "./dap.ts";
 * const d = Distribution.create([7], { dist: [{ type: "c", blockSize: 2 }], commSize: 2 });
 * const dd = dimData(d, 1)[0];
 * if (dd.dist_type !== "c" || dd.start !== 2 || dd.block_size !== 2) throw new Error("bad");
 * ```
 */
export function dimData(dist: Distribution, rank: number): DimData[] {
  const coords = dist.gridCoords(rank);
  if (coords === null) {
    throw new RangeError(`Rank ${rank} is not in the process grid: it has no DAP view`);
  }
  return dist.shape.map((size, a) => {
    const info = dist.axis(a);
    const p = coords[a];
    const common = { size, proc_grid_size: info.gridSize, proc_grid_rank: p };
    if (info.type === "c") {
      const start = Math.min(p * info.blockSize, size);
      return { dist_type: "c", ...common, start, block_size: info.blockSize };
    }
    if (info.type === "u") {
      return { dist_type: "u", ...common, indices: dist.globalIndices(a, rank) };
    }
    const b = info.bounds!;
    const pad = info.padding?.[p] ?? [0, 0];
    const lo = p > 0 || info.periodic ? pad[0] : 0;
    const hi = p < info.gridSize - 1 || info.periodic ? pad[1] : 0;
    const out: DimData = {
      dist_type: "b",
      ...common,
      start: b[p] - lo,
      stop: b[p + 1] + hi,
      ...(info.padding ? { padding: [pad[0], pad[1]] as const } : {}),
      ...(info.periodic ? { periodic: true } : {}),
    };
    return out;
  });
}

/**
 * A rank's protocol export: `{ __version__: "0.10.0", buffer, dim_data }`.
 *
 * @param dist The distribution.
 * @param options `rank` and the rank's local `buffer`.
 * @returns The export.
 *
 * @example
 * ```ts
 * import { Distribution } from "./distribution.ts";
 * import { exportDap } from "./dap.ts";
 * const d = Distribution.create([4], { dist: "b", commSize: 2 });
 * const e = exportDap(d, { rank: 1, buffer: new Float64Array(2) });
 * if (e.__version__ !== "0.10.0" || e.dim_data[0].start !== 2) throw new Error("bad");
 * ```
 */
export function exportDap<B>(
  dist: Distribution,
  options: { rank: number; buffer: B },
): DistBuffer<B> {
  return { __version__: "0.10.0", buffer: options.buffer, dim_data: dimData(dist, options.rank) };
}

/**
 * Rebuilds a distribution from the dimension dictionaries of every rank
 * (entry k is grid position k, in C order). `n` axes are read as `b` over
 * one position; block bounds and unstructured index lists come from all the
 * ranks' entries.
 *
 * @param allDimData Every rank's `dim_data`, in grid order.
 * @param options `commSize` (default: the number of entries) and `ranks` (default 0, 1, ...).
 * @returns The distribution.
 * @throws {RangeError} When the entries disagree or do not describe a partition.
 * @throws {TypeError} For an unknown `dist_type`.
 *
 * @example
 * ```ts
 * import { Distribution } from "./distribution.ts";
 * import { dimData, importDap } from "./dap.ts";
 * const d = Distribution.create([6, 5], { dist: "bc", commSize: 4 });
 * const back = importDap([0, 1, 2, 3].map((r) => dimData(d, r)));
 * if (!back.equals(d)) throw new Error("bad");
 * ```
 */
export function importDap(
  allDimData: readonly (readonly DimData[])[],
  options: { commSize?: number; ranks?: readonly number[] } = {},
): Distribution {
  if (!Array.isArray(allDimData) || allDimData.length === 0) {
    throw new TypeError(`Invalid DAP input: expected a non-empty array of dim_data, one per rank`);
  }
  const ndim = allDimData[0].length;
  const first = allDimData[0];
  const grid: number[] = [];
  const specs: AxisSpec[] = [];
  const shape: number[] = [];
  for (let a = 0; a < ndim; a++) {
    const t = first[a].dist_type;
    if (t !== "b" && t !== "c" && t !== "u" && t !== "n") {
      throw new TypeError(`Invalid dist_type "${String(t)}" on axis ${a}: expected b, c, u or n`);
    }
    shape.push(first[a].size);
    grid.push(t === "n" ? 1 : first[a].proc_grid_size ?? 1);
  }
  const total = grid.reduce((x, y) => x * y, 1);
  if (total !== allDimData.length) {
    throw new RangeError(
      `Invalid DAP grid [${
        grid.join(",")
      }]: it has ${total} positions for ${allDimData.length} ranks`,
    );
  }
  // per axis, the entry of each grid position (checked for C order)
  const byPos: DimData[][] = grid.map((g) => new Array<DimData>(g));
  allDimData.forEach((dd, k) => {
    if (dd.length !== ndim) {
      throw new RangeError(
        `Invalid DAP input: rank ${k} has ${dd.length} axes, rank 0 has ${ndim}`,
      );
    }
    let rem = k;
    for (let a = ndim - 1; a >= 0; a--) {
      const p = rem % grid[a];
      rem = Math.floor(rem / grid[a]);
      const e = dd[a];
      const got = e.dist_type === "n" ? 0 : e.proc_grid_rank ?? 0;
      if (got !== p || e.dist_type !== first[a].dist_type || e.size !== shape[a]) {
        throw new RangeError(
          `Invalid DAP input: entry ${k} has proc_grid_rank ${got} on axis ${a}, the C-ordered grid [${
            grid.join(",")
          }] puts it at ${p}`,
        );
      }
      byPos[a][p] ??= e;
    }
  });
  for (let a = 0; a < ndim; a++) {
    const t = first[a].dist_type;
    const entries = byPos[a];
    if (t === "n") specs.push("n");
    else if (t === "c") specs.push({ type: "c", blockSize: first[a].block_size ?? 1 });
    else if (t === "u") {
      specs.push({ type: "u", indices: entries.map((e) => Array.from(e.indices ?? [])) });
    } else {
      const periodic = first[a].periodic ?? false;
      const hasPad = entries.some((e) => e.padding !== undefined);
      const P = grid[a];
      const bounds = [0];
      const padding: [number, number][] = [];
      entries.forEach((e, p) => {
        const pad = e.padding ?? [0, 0];
        const lo = p > 0 || periodic ? pad[0] : 0;
        const hi = p < P - 1 || periodic ? pad[1] : 0;
        const ownStart = (e.start ?? 0) + lo;
        const ownStop = (e.stop ?? shape[a]) - hi;
        if (ownStart !== bounds[p]) {
          throw new RangeError(
            `Invalid DAP block on axis ${a}: grid position ${p} starts at ${ownStart}, expected ${
              bounds[p]
            }`,
          );
        }
        bounds.push(ownStop);
        padding.push([pad[0], pad[1]]);
      });
      specs.push({
        type: "b",
        bounds,
        ...(hasPad ? { padding } : {}),
        ...(periodic ? { periodic } : {}),
      });
    }
  }
  for (let a = 0; a < ndim; a++) {
    const t = first[a].dist_type;
    if (t !== "c") continue;
    const B = first[a].block_size ?? 1;
    byPos[a].forEach((e, p) => {
      const want = Math.min(p * B, shape[a]);
      if ((e.start ?? want) !== want || (e.block_size ?? 1) !== B) {
        throw new RangeError(
          `Invalid DAP cyclic axis ${a}: grid position ${p} has start ${e.start} and block_size ${
            e.block_size ?? 1
          }, expected ${want} and ${B}`,
        );
      }
    });
  }
  return Distribution.create(shape, {
    dist: specs,
    grid,
    commSize: options.commSize ?? allDimData.length,
    ranks: options.ranks,
  });
}
