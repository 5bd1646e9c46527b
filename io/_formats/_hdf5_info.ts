// `tessera info` of an HDF5 / netCDF-4 file or dataset: shape, chunks,
// filters and attributes as io/_formats/hdf5.ts always showed them, plus the
// netCDF view: dimensions (names, sizes, unlimited), coordinate variables
// with their first and last values (CF times as ISO dates), and every
// attribute that could not be read, named instead of failing.

import { cstr, H5P_DEFAULT, hdf5, type Hid } from "../../ffi/hdf5.ts";
import { decodeCfTimes } from "../_cf_time.ts";
import {
  isScale,
  nameAttribute,
  NETCDF_DIM_ONLY,
  type ObjectMetadata,
  objectMetadata,
  scaleName,
  withReferenceCache,
} from "../_hdf5_attrs.ts";
import { datasetInternals, fileInternals, filtersOf, readAttribute } from "../_hdf5_handles.ts";
import { type H5Dataset, H5File, type H5Filter } from "../hdf5.ts";
import type { ArrayInfo, TreeInfo, TreeNode } from "../formats.ts";
import type { Locator } from "../locator.ts";
import { diskSize, memoryOf } from "./_info.ts";

/** A dimension of the file (a dimension scale). */
export interface DimensionInfo {
  /** Its name. */
  readonly name: string;
  /** Its length. */
  readonly size: number;
  /** Whether it can grow (netCDF's UNLIMITED). */
  readonly unlimited: boolean;
  /** The scale's path. */
  readonly path: string;
}

/** First and last values of a coordinate variable. */
export interface CoordinateInfo {
  /** The coordinate variable's path. */
  readonly path: string;
  /** Its length. */
  readonly size: number;
  /** First value (scale_factor and add_offset applied when present). */
  readonly first: number | bigint | null;
  /** Last value. */
  readonly last: number | bigint | null;
  /** `units`, when set. */
  readonly units?: string;
  /** `calendar`, when set. */
  readonly calendar?: string;
  /** First and last as ISO dates, for CF time units in a calendar handled. */
  readonly dates?: readonly (string | null)[];
}

function describeFilters(filters: readonly H5Filter[]): string {
  if (filters.length === 0) return "none";
  return filters.map((x) => (x.name === "gzip" && x.values.length ? `gzip:${x.values[0]}` : x.name))
    .join("+"); // the form --codec takes: shuffle+gzip:1
}

function skippedText(m: ObjectMetadata): string[] {
  return m.skipped.map((s) => `attribute "${s.name}" of "${s.object}": skipped (${s.reason})`);
}

// Runs body with an object opened by path (any kind), or returns null when it cannot be opened.
function withObject<T>(f: H5File, path: string, body: (id: Hid) => T): T | null {
  const fn = hdf5().fn;
  const id = fn.H5Oopen(fileInternals().id(f), cstr(path), H5P_DEFAULT);
  if (id < 0) {
    fn.H5Eclear2(0n);
    return null;
  }
  try {
    return body(id);
  } finally {
    fn.H5Oclose(id);
  }
}

function metadataOf(f: H5File, path: string, ndim: number): ObjectMetadata {
  return withObject(f, path, (id) => objectMetadata(id, path, ndim, f.path)) ??
    { raw: {}, skipped: [], attributes: {}, dimensions: [] };
}

function num(v: unknown): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v) && v.length === 1) return num(v[0]);
  return null;
}

/** First and last values of a 1-D dataset, with its units and CF dates. */
function coordinate(ds: H5Dataset): CoordinateInfo | null {
  const n = ds.shape[0];
  if (ds.ndim !== 1 || n === 0 || ds.dtype === "bool") return null;
  const attrs = ds.attributes;
  const scale = num(attrs.scale_factor);
  const offset = num(attrs.add_offset);
  const value = (i: number): number | bigint | null => {
    const v = ds.readSync(`${i}:${i + 1}`).get(0) as number | bigint;
    if (scale === null && offset === null) return v;
    return Number(v) * (scale ?? 1) + (offset ?? 0);
  };
  const first = value(0);
  const last = value(n - 1);
  const units = typeof attrs.units === "string" ? attrs.units : undefined;
  const calendar = typeof attrs.calendar === "string" ? attrs.calendar : undefined;
  const dates = units === undefined || first === null || last === null
    ? null
    : decodeCfTimes([first, last], units, calendar ?? "standard");
  return {
    path: ds.path,
    size: n,
    first,
    last,
    ...(units === undefined ? {} : { units }),
    ...(calendar === undefined ? {} : { calendar }),
    ...(dates === null ? {} : { dates }),
  };
}

/** Whether a file is netCDF-4: named `.nc` (or `.nc4`, `.cdf`) or carrying `_NCProperties`. */
function isNetcdf4(path: string, root: ObjectMetadata): boolean {
  return /\.(nc|nc4|cdf|netcdf)$/i.test(path) || "_NCProperties" in root.raw;
}

/** The paths of the scales attached to each axis (DIMENSION_LIST), or the dataset itself for a scale. */
function scalePaths(m: ObjectMetadata, path: string, ndim: number): (string | null)[] {
  const list = m.raw.DIMENSION_LIST;
  const out: (string | null)[] = Array.from({ length: ndim }, () => null);
  if (Array.isArray(list) && list.length === ndim) {
    list.forEach((refs, i) => {
      const p = Array.isArray(refs) ? refs.find((r) => typeof r === "string") : undefined;
      if (typeof p === "string") out[i] = p;
    });
  } else if (isScale(m.raw) && ndim >= 1) out[0] = path;
  return out;
}

// The coordinate variable at a scale's path (null for netCDF's dimension-only scales).
function coordinateAt(f: H5File, path: string): CoordinateInfo | null {
  try {
    using ds = f.dataset(path);
    const name = nameAttribute(
      fileInternals().id(f),
      path,
      (o, n) => readAttribute(o, n, f.path, path),
    );
    if (typeof name === "string" && name.startsWith(NETCDF_DIM_ONLY)) return null;
    return coordinate(ds);
  } catch {
    return null;
  }
}

/** What `info` reports of one dataset. */
export async function datasetInfo(loc: Locator, text: string, f: H5File): Promise<ArrayInfo> {
  const diskBytes = await diskSize(loc.path);
  return withReferenceCache(() => datasetInfoOf(loc, text, f, diskBytes));
}

function datasetInfoOf(loc: Locator, text: string, f: H5File, diskBytes: number): ArrayInfo {
  const object = loc.object as string;
  using ds = f.dataset(object);
  const i = ds.info;
  const m = objectMetadata(datasetInternals().id(ds), ds.path, ds.ndim, f.path);
  const netcdf = isNetcdf4(loc.path, metadataOf(f, "/", 0));
  const paths = scalePaths(m, ds.path, ds.ndim);
  const coordinates: Record<string, CoordinateInfo> = {};
  paths.forEach((p, axis) => {
    const name = m.dimensions[axis];
    if (p === null || name === null) return;
    const c = p === ds.path ? coordinate(ds) : coordinateAt(f, p);
    if (c !== null) coordinates[name] = c;
  });
  const skipped = skippedText(m);
  return {
    locator: text,
    format: "hdf5",
    kind: "array",
    shape: i.shape,
    dtype: i.dtype,
    chunks: i.chunks,
    codec: describeFilters(i.filters),
    fillValue: i.fillValue,
    memoryBytes: memoryOf(i.shape, i.dtype),
    diskBytes,
    diskScope: "whole file",
    attributes: m.attributes,
    extra: {
      ...(netcdf ? { netcdf: "netCDF-4" } : {}),
      ...(m.dimensions.some((d) => d !== null) ? { dimensions: m.dimensions } : {}),
      layout: i.layout,
      maxshape: i.maxshape,
      byteOrder: i.byteOrder,
      filters: i.filters.map((x) => ({ id: x.id, name: x.name, values: x.values })),
      ...(Object.keys(coordinates).length > 0 ? { coordinates } : {}),
      ...(skipped.length > 0 ? { skipped } : {}),
    },
  };
}

/** What `info` reports of a whole file or group. */
export async function treeInfo(loc: Locator, text: string, f: H5File): Promise<TreeInfo> {
  const diskBytes = await diskSize(loc.path);
  return withReferenceCache(() => treeInfoOf(loc, text, f, diskBytes));
}

function treeInfoOf(loc: Locator, text: string, f: H5File, diskBytes: number): TreeInfo {
  const root = loc.object ?? "/";
  const rootMeta = metadataOf(f, root, 0);
  const skipped = skippedText(rootMeta);
  const nodes: TreeNode[] = [{ path: root, kind: "group", attributes: rootMeta.attributes }];
  const dims: (DimensionInfo & { dimid: number | null })[] = [];
  const coordinates: Record<string, CoordinateInfo> = {};
  for (const e of f.list(root, { recursive: true })) {
    if (e.kind === "group") {
      const g = metadataOf(f, e.path, 0);
      skipped.push(...skippedText(g));
      nodes.push({ path: e.path, kind: "group", attributes: g.attributes });
      continue;
    }
    const shape = e.shape ?? [];
    const m = metadataOf(f, e.path, shape.length);
    skipped.push(...skippedText(m));
    let codec = e.unsupportedType ?? "?";
    let maxshape: readonly (number | null)[] = shape;
    let coord: CoordinateInfo | null = null;
    const dimOnly = typeof m.raw.NAME === "string" && m.raw.NAME.startsWith(NETCDF_DIM_ONLY);
    try {
      using ds = f.dataset(e.path);
      codec = describeFilters(ds.info.filters);
      maxshape = ds.info.maxshape;
      if (isScale(m.raw) && !dimOnly) coord = coordinate(ds);
    } catch {
      // a type Tessera cannot read: listed with its type's name, and its filters
      codec = withObject(f, e.path, (id) => {
        const fn = hdf5().fn;
        const dcpl = fn.H5Dget_create_plist(id);
        if (dcpl < 0) return null;
        try {
          return describeFilters(filtersOf(dcpl));
        } finally {
          fn.H5Pclose(dcpl);
        }
      }) ?? codec;
    }
    if (isScale(m.raw) && shape.length >= 1) {
      const name = scaleName(e.path, m.raw.NAME);
      const dimid = num(m.raw._Netcdf4Dimid);
      dims.push({ name, size: shape[0], unlimited: maxshape[0] === null, path: e.path, dimid });
      if (coord !== null) coordinates[name] = coord;
    }
    nodes.push({
      path: e.path,
      kind: "array",
      shape,
      dtype: e.dtype ?? e.unsupportedType ?? null,
      chunks: e.chunks ?? null,
      codec,
      ...(m.dimensions.some((d) => d !== null) ? { dimensions: m.dimensions } : {}),
      ...(dimOnly ? { dimensionOnly: true } : {}),
      attributes: m.attributes,
    });
  }
  if (dims.every((d) => d.dimid !== null)) dims.sort((a, b) => a.dimid! - b.dimid!);
  const ordered = Object.fromEntries(
    dims.filter((d) => d.name in coordinates).map((d) => [d.name, coordinates[d.name]]),
  );
  const netcdf = isNetcdf4(loc.path, metadataOf(f, "/", 0));
  const extra = {
    ...(netcdf ? { netcdf: "netCDF-4" } : {}),
    ...(dims.length > 0
      ? {
        dimensions: dims.map(({ name, size, unlimited, path }) => ({
          name,
          size,
          unlimited,
          path,
        })),
      }
      : {}),
    ...(Object.keys(ordered).length > 0 ? { coordinates: ordered } : {}),
    ...(skipped.length > 0 ? { skipped } : {}),
  };
  return {
    locator: text,
    format: "hdf5",
    kind: "tree",
    diskBytes,
    nodes,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}
