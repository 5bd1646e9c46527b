// netCDF-4 dimensions of datasets Tessera writes (DESIGN.md, contract 10):
// each named axis is attached (H5DSattach_scale, libhdf5_hl) to the dimension
// scale of that name in the dataset's group: its coordinate variable when one
// is there, else a scale netCDF-C itself would make for a dimension that is
// not a variable (NAME "This is a netCDF dimension but not a netCDF
// variable" and the length). Replacing a scale (a coordinate written after
// the variables that use it) moves every attachment to the new dataset, so
// the variables keep their dimension (an unlinked scale would leave their
// DIMENSION_LIST pointing at nothing).

import { check, cstr, H5P_DEFAULT, hdf5, type Hid } from "../ffi/hdf5.ts";
import { hdf5Hl } from "../ffi/hdf5_hl.ts";
import type { H5File } from "./hdf5.ts";
import { fileInternals } from "./_hdf5_handles.ts";
import { NETCDF_DIM_ONLY } from "./_hdf5_attrs.ts";

/** One axis of a dataset that a scale is attached to. */
export interface Attachment {
  readonly path: string;
  readonly axis: number;
}

function withObject<T>(f: H5File, path: string, body: (id: Hid) => T): T {
  const fn = hdf5().fn;
  const id = check(fn.H5Oopen(fileInternals().id(f), cstr(path), H5P_DEFAULT), "H5Oopen", {
    file: f.path,
    object: path,
  });
  try {
    return body(id);
  } finally {
    fn.H5Oclose(id);
  }
}

function parentOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at <= 0 ? "/" : path.slice(0, at);
}

function join(group: string, name: string): string {
  return group === "/" ? `/${name}` : `${group}/${name}`;
}

/** Whether the dataset at `path` is a dimension scale. */
export function isScaleAt(f: H5File, path: string): boolean {
  return withObject(f, path, (id) => check(hdf5Hl().fn.H5DSis_scale(id), "H5DSis_scale") > 0);
}

/** Whether `path` is a scale netCDF made for a dimension that is not a variable. */
export function isDimensionOnly(f: H5File, path: string): boolean {
  if (f.kind(path) !== "dataset" || !isScaleAt(f, path)) return false;
  try {
    const name = f.getAttribute(path, "NAME");
    return typeof name === "string" && name.startsWith(NETCDF_DIM_ONLY);
  } catch {
    return false;
  }
}

/**
 * Detaches the scale at `path` from every dataset axis of the file it is
 * attached to, and returns those axes.
 */
export function detachScale(f: H5File, path: string): Attachment[] {
  const hl = hdf5Hl().fn;
  const out: Attachment[] = [];
  withObject(f, path, (scale) => {
    for (const e of f.list("/", { recursive: true })) {
      if (e.kind !== "dataset" || e.path === path || !e.shape) continue;
      withObject(f, e.path, (id) => {
        for (let axis = 0; axis < e.shape!.length; axis++) {
          if (hl.H5DSis_attached(id, scale, axis) > 0) {
            check(hl.H5DSdetach_scale(id, scale, axis), "H5DSdetach_scale", {
              file: f.path,
              object: e.path,
            });
            out.push({ path: e.path, axis });
          }
        }
      });
    }
  });
  hdf5().fn.H5Eclear2(0n);
  return out;
}

function setScale(f: H5File, path: string, name: string): void {
  withObject(f, path, (id) => {
    if (hdf5Hl().fn.H5DSis_scale(id) > 0) return;
    check(hdf5Hl().fn.H5DSset_scale(id, cstr(name)), "H5DSset_scale", {
      file: f.path,
      object: path,
    });
  });
}

function attach(f: H5File, path: string, scalePath: string, axis: number): void {
  withObject(f, path, (id) =>
    withObject(f, scalePath, (scale) => {
      if (hdf5Hl().fn.H5DSis_attached(id, scale, axis) > 0) return;
      check(hdf5Hl().fn.H5DSattach_scale(id, scale, axis), "H5DSattach_scale", {
        file: f.path,
        object: path,
      });
    }));
}

/**
 * Makes the 1-D dataset at `path` the coordinate variable of its dimension
 * (a scale named after itself) and attaches it to `axes` (the axes of the
 * scale it replaces) that still have its length.
 */
export function makeCoordinate(f: H5File, path: string, axes: readonly Attachment[]): void {
  const name = path.slice(path.lastIndexOf("/") + 1);
  setScale(f, path, name);
  const length = f.list(parentOf(path)).find((e) => e.path === path)?.shape?.[0];
  for (const a of axes) {
    const shape = f.list(parentOf(a.path)).find((e) => e.path === a.path)?.shape;
    if (shape && shape[a.axis] === length) attach(f, a.path, path, a.axis);
  }
}

/**
 * Attaches each named axis of the dataset at `path` (shape `shape`) to the
 * dimension of that name in its group, making a dimension-only scale where
 * there is none. A 1-D dataset named after its own dimension becomes that
 * dimension's coordinate variable. An axis whose name is taken in the group
 * by an object that cannot be its dimension (a group, a dataset of another
 * shape) is left unnamed.
 */
export function attachDimensions(
  f: H5File,
  path: string,
  shape: readonly number[],
  dims: readonly string[],
): void {
  const group = parentOf(path);
  const self = path.slice(path.lastIndexOf("/") + 1);
  const entries = new Map(f.list(group).map((e) => [e.path, e]));
  dims.forEach((dim, axis) => {
    if (shape.length === 1 && dim === self) {
      setScale(f, path, dim);
      return;
    }
    const at = join(group, dim);
    const e = entries.get(at);
    if (e === undefined) {
      // a dimension without a variable, as netCDF-C writes it
      f.createDataset(at, { shape: [shape[axis]], dtype: "float32" }).close();
      setScale(f, at, `${NETCDF_DIM_ONLY}.${String(shape[axis]).padStart(10)}`);
      entries.set(at, { path: at, kind: "dataset", shape: [shape[axis]] });
    } else if (e.kind !== "dataset" || e.shape?.length !== 1 || e.shape[0] !== shape[axis]) {
      // another object holds the name (a group, a dataset of another shape):
      // the axis stays unnamed rather than the write failing
      return;
    } else {
      try {
        setScale(f, at, dim);
      } catch {
        // a dataset with dimensions of its own cannot be a scale: left unnamed
        hdf5().fn.H5Eclear2(0n);
        return;
      }
    }
    attach(f, path, at, axis);
  });
}
