// Many files as one array (as xarray's open_mfdataset or NCO's ncrcat):
// a list of locators, or a glob (`era5_*.nc:/t2m`), concatenated along an
// existing axis. Every part must agree on the dtype, on the other axes'
// lengths and on the attributes that say how values are packed; the block
// grid along the axis follows the parts' boundaries whenever their chunks
// allow, so that each block is read from one file by that file's reader.

import { ShapeMismatchError } from "../core/errors.ts";
import { copyInto, empty, type NDArray } from "../core/ndarray.ts";
import { parseLocator } from "../io/locator.ts";
import {
  type ArraySource,
  type DecodeWorkers,
  type Region,
  type RegionLike,
  toRegion,
} from "../io/region.ts";
import { type Opened, openSource } from "./_sources.ts";
import { ENCODING_ATTRIBUTES } from "./_cf.ts";

/** Attributes whose values decode the stored numbers (CF): parts must agree on them. */
const PACKING = [...ENCODING_ATTRIBUTES.filter((a) => a !== "_Unsigned"), "units", "calendar"];

const GLOB = /[*?[]/;

/** Whether a locator's file part holds wildcards. */
export function isGlob(locator: string): boolean {
  return GLOB.test(locator.split(":")[0]);
}

function globRegex(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        const body = pattern.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\");
        re += `[${body}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * The locators a glob names, sorted by name (`dir/a_*.nc:/t` gives
 * `dir/a_1.nc:/t`, `dir/a_2.nc:/t`, ...). Wildcards may appear in the file
 * name only.
 */
export async function expandGlob(locator: string): Promise<string[]> {
  const loc = parseLocator(locator, { requireObject: false });
  const slash = loc.path.lastIndexOf("/");
  const dir = slash < 0 ? "." : loc.path.slice(0, slash) || "/";
  const base = loc.path.slice(slash + 1);
  if (GLOB.test(dir)) {
    throw new TypeError(
      `Invalid locator "${locator}": wildcards are allowed in the file name only, not in "${dir}"`,
    );
  }
  const re = globRegex(base);
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (re.test(e.name)) names.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`Cannot open "${locator}": no directory "${dir}"`);
    }
    throw e;
  }
  if (names.length === 0) {
    throw new Deno.errors.NotFound(`Cannot open "${locator}": no file matches "${base}"`);
  }
  const prefix = slash < 0 ? "" : `${loc.path.slice(0, slash)}/`;
  const suffix = locator.slice(loc.path.length);
  return names.sort().map((n) => `${prefix}${n}${suffix}`);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b) ||
    (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b));
}

/** The parts of a concatenation, as one source. */
export class ConcatSource implements ArraySource {
  readonly locator: string;
  readonly shape: readonly number[];
  readonly dtype: ArraySource["dtype"];
  readonly chunks: readonly number[];
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly dimensions?: readonly (string | null)[];
  readonly fillValue?: ArraySource["fillValue"];
  readonly cacheBytes?: number;
  readonly decodeWorkers?: DecodeWorkers;
  /** The concatenation axis. */
  readonly axis: number;
  /** Where each part starts along the axis (and the axis length last). */
  readonly starts: readonly number[];
  readonly #parts: readonly ArraySource[];

  constructor(parts: readonly ArraySource[], axis: number) {
    const first = parts[0];
    const nd = first.shape.length;
    if (!Number.isInteger(axis) || axis < -nd || axis >= nd) {
      throw new RangeError(
        `Invalid concat axis ${axis} for "${first.locator}" of shape [${first.shape.join(",")}]`,
      );
    }
    this.axis = axis < 0 ? axis + nd : axis;
    const ax = this.axis;
    for (const p of parts.slice(1)) {
      if (p.dtype !== first.dtype) {
        throw new TypeError(
          `Cannot concatenate "${first.locator}" (${first.dtype}) and "${p.locator}" (${p.dtype}): the dtypes differ`,
        );
      }
      if (p.shape.length !== nd || p.shape.some((n, i) => i !== ax && n !== first.shape[i])) {
        throw new ShapeMismatchError(
          `Cannot concatenate "${first.locator}" of shape [${
            first.shape.join(",")
          }] and "${p.locator}" of shape [${
            p.shape.join(",")
          }] along axis ${ax}: the other axes differ`,
        );
      }
      if (first.dimensions && p.dimensions && !same(first.dimensions, p.dimensions)) {
        throw new ShapeMismatchError(
          `Cannot concatenate "${first.locator}" (${
            first.dimensions.join(", ")
          }) and "${p.locator}" (${p.dimensions.join(", ")}): the dimension names differ`,
        );
      }
      for (const k of PACKING) {
        const a = first.attributes?.[k];
        const b = p.attributes?.[k];
        if (!same(a, b)) {
          throw new TypeError(
            `Cannot concatenate "${first.locator}" and "${p.locator}": attribute "${k}" is ${
              JSON.stringify(a) ?? "absent"
            } in one and ${
              JSON.stringify(b) ?? "absent"
            } in the other, so the stored values mean different things`,
          );
        }
      }
    }
    this.#parts = parts;
    const starts = [0];
    for (const p of parts) starts.push(starts[starts.length - 1] + p.shape[ax]);
    this.starts = starts;
    this.locator = parts.length === 1
      ? first.locator
      : `${first.locator} + ${parts.length - 1} more along axis ${ax}`;
    this.shape = first.shape.map((n, i) => (i === ax ? starts[starts.length - 1] : n));
    this.dtype = first.dtype;
    // along the axis: the parts' own chunk when every boundary between parts
    // falls on a block edge; else the largest block that keeps the edges
    const own = Math.max(1, Math.min(...parts.map((p) => p.chunks[ax])));
    const edges = starts.slice(1, -1).reduce((g, s) => gcd(g, s), 0);
    const fit = edges === 0 ? own : gcd(edges, own);
    this.chunks = first.chunks.map((c, i) => (i === ax ? (fit * 8 >= own ? fit : own) : c));
    if (first.attributes !== undefined) this.attributes = first.attributes;
    if (first.dimensions !== undefined) this.dimensions = first.dimensions;
    if (first.fillValue !== undefined) this.fillValue = first.fillValue;
    const cache = parts.reduce((a, p) => a + (p.cacheBytes ?? 0), 0);
    if (cache > 0) this.cacheBytes = cache;
    const workers = parts.map((p) => p.decodeWorkers).filter((w) => w !== undefined);
    if (workers.length > 0) {
      this.decodeWorkers = {
        bytes: workers.reduce((a, w) => a + w.bytes, 0),
        get enabled(): boolean {
          return workers.some((w) => w.enabled);
        },
        disable: () => workers.forEach((w) => w.disable()),
      };
    }
  }

  /** The parts' pieces of a region: [part, part's region, offset in the result along the axis]. */
  #pieces(r: Region): [ArraySource, Region, number][] {
    const ax = this.axis;
    const s = r.start[ax];
    const t = r.step[ax];
    const n = r.count[ax];
    const out: [ArraySource, Region, number][] = [];
    if (n === 0) return out;
    const last = s + t * (n - 1);
    this.#parts.forEach((p, i) => {
      const lo = this.starts[i];
      const hi = this.starts[i + 1];
      if (hi <= s || lo > last || hi === lo) return;
      const k0 = Math.max(0, Math.ceil((lo - s) / t));
      const k1 = Math.min(n - 1, Math.floor((hi - 1 - s) / t));
      if (k0 > k1) return;
      const start = [...r.start];
      const count = [...r.count];
      start[ax] = s + k0 * t - lo;
      count[ax] = k1 - k0 + 1;
      out.push([p, { start, step: [...r.step], count }, k0]);
    });
    return out;
  }

  async read(region?: RegionLike): Promise<NDArray> {
    const r = toRegion(this.shape, region, { context: `Cannot read "${this.locator}"` });
    const pieces = this.#pieces(r);
    if (pieces.length === 1) return await pieces[0][0].read(pieces[0][1]);
    const out = empty(r.count, this.dtype);
    await this.#fill(pieces, out);
    return out;
  }

  async readInto(region: RegionLike, out: NDArray): Promise<NDArray> {
    const r = toRegion(this.shape, region, { context: `Cannot read "${this.locator}"` });
    const pieces = this.#pieces(r);
    const [p, pr] = pieces[0] ?? [];
    if (pieces.length === 1 && p.readInto && !p.fortranOrder) {
      return await (p.readIntoAsync ? p.readIntoAsync(pr, out) : p.readInto(pr, out));
    }
    await this.#fill(pieces, out);
    return out;
  }

  async #fill(pieces: [ArraySource, Region, number][], out: NDArray): Promise<void> {
    const ax = this.axis;
    for (const [p, pr, at] of pieces) {
      const block = await p.read(pr);
      const sel = out.shape.map((_, i) => (i === ax ? `${at}:${at + pr.count[ax]}` : ":"));
      copyInto(out.slice(...sel), block);
    }
  }
}

/**
 * Opens every locator (a list, or the files a glob names) and concatenates
 * them along `axis`. Closing the result closes every file.
 */
export async function openConcat(
  locators: string | readonly string[],
  axis: number,
): Promise<Opened> {
  const list = typeof locators === "string"
    ? await expandGlob(locators)
    : locators.length === 0
    ? (() => {
      throw new TypeError("Cannot open an empty list of locators");
    })()
    : [...locators];
  const opened: Opened[] = [];
  const close = async (): Promise<void> => {
    for (const o of opened.splice(0)) await o.close();
  };
  try {
    for (const l of list) {
      if (typeof l !== "string") {
        throw new TypeError(`Invalid locator ${String(l)}: expected a string`);
      }
      opened.push(await openSource(l));
    }
    const source = new ConcatSource(opened.map((o) => o.source), axis);
    return { source, splittable: opened.every((o) => o.splittable), close };
  } catch (e) {
    await close();
    throw e;
  }
}
