// The netCDF-3 entry of the format registry (io/formats.ts): classic and
// 64-bit offset (and 64-bit data) files, read by our own reader
// (io/netcdf3.ts). Read-only: netCDF output is written as netCDF-4 (HDF5).

import { FormatError } from "../../core/errors.ts";
import type { Locator } from "../locator.ts";
import { Nc3File, type NcVariable, openNc3Variable } from "../netcdf3.ts";
import type { ArrayInfo, FormatModule, TreeInfo, TreeNode } from "../formats.ts";
import { diskSize, headBytes, memoryOf } from "./_info.ts";

/**
 * `CDF` and a version byte (1 classic, 2 64-bit offset, 5 64-bit data; any
 * other is claimed too, so that the reader names the unknown version).
 */
export function isNetcdf3(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x43 && head[1] === 0x44 && head[2] === 0x46;
}

function readOnly(loc: Locator): Error {
  return new TypeError(
    `Cannot write "${loc.path}": netCDF-3 output is not supported, write netCDF-4 (a new .nc or .h5 file) instead`,
  );
}

function dtypeOf(v: NcVariable): string {
  return v.dtype ?? v.type;
}

/** netCDF-3 through Tessera's own reader: positioned region reads, no library. */
export const format: FormatModule = {
  async detect(path) {
    return isNetcdf3(await headBytes(path, 4));
  },
  async open(loc) {
    const { file, variable } = await openNc3Variable(loc.path, loc.object ?? "");
    return { source: variable, splittable: true, close: () => file.close() };
  },
  create(loc) {
    return Promise.reject(readOnly(loc));
  },
  openWriter(loc) {
    return Promise.reject(readOnly(loc));
  },
  async probe(loc) {
    if (!(await this.detect(loc.path))) throw new FormatError(loc.path, "not a netCDF-3 file");
    throw readOnly(loc);
  },
  async info(loc, text) {
    using f = await Nc3File.open(loc.path);
    const h = f.header;
    if (loc.object === null || loc.object === "/") {
      const nodes: TreeNode[] = [{
        path: "/",
        kind: "group",
        attributes: { ...h.attributes },
      }];
      for (const v of h.variables) {
        nodes.push({
          path: `/${v.name}`,
          kind: "array",
          shape: v.shape,
          dtype: dtypeOf(v),
          chunks: null,
          codec: "none",
          dimensions: v.dimensions,
          attributes: { ...v.attributes },
        });
      }
      return {
        locator: text,
        format: "netcdf3",
        kind: "tree",
        diskBytes: await diskSize(loc.path),
        nodes,
        // the shape cli/_info.ts shows for netCDF-4 too
        extra: {
          netcdf: `netCDF-3 ${f.kind}`,
          dimensions: h.dimensions.map((d) => ({
            name: d.name,
            size: d.length,
            unlimited: d.unlimited,
          })),
        },
      } satisfies TreeInfo;
    }
    const v = f.describe(loc.object);
    const fill = v.attributes._FillValue;
    return {
      locator: text,
      format: "netcdf3",
      kind: "array",
      shape: v.shape,
      dtype: dtypeOf(v),
      chunks: null,
      codec: "none",
      ...(fill === undefined ? {} : { fillValue: fill }),
      memoryBytes: memoryOf(v.shape, v.dtype),
      diskBytes: v.record ? v.bytes * v.shape[0] : v.bytes,
      diskScope: v.record
        ? "one record at a time, interleaved with the other record variables"
        : undefined,
      attributes: { ...v.attributes },
      extra: {
        netcdf: `netCDF-3 ${f.kind}`,
        dimensions: v.dimensions,
        record: v.record,
        begin: v.begin,
        ...(v.record ? { recordBytes: h.recsize } : {}),
      },
    } satisfies ArrayInfo;
  },
};
