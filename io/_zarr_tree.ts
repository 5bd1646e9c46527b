// The tree side of io/zarr.ts: opening a store (consolidated metadata
// included), writing array and group metadata with their missing parents,
// and listing the nodes of a store.

import { DTYPES, parseDescr, toDType } from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { parseCodec } from "./codec.ts";
import { zarrCodecs } from "./_zarr_codecs.ts";
import { docJson, fillJson, keyOf, type NodeMeta, parseJson, readNode } from "./_zarr_meta.ts";
import { FsStore, NONFINITE, normalizeKey } from "./_zarr_store.ts";
import { parseLocator } from "./locator.ts";
import type { ZarrNode } from "./zarr.ts";
import type { ZarrCreateOptions, ZarrGroupOptions } from "./zarr_options.ts";

/** Default chunk size of `createZarr` when `chunks` is not given. */
const DEFAULT_CHUNK_BYTES = 4 << 20;

/** A Zarr locator's store and object. */
export type ZarrLocator = { path: string; format: "zarr"; object: string | null };

/**
 * Validates `options` and writes the metadata of a new array (refusing or,
 * with `overwrite`, replacing a node already there), with its missing parents.
 */
export async function writeArrayMeta(
  locator: string,
  loc: ZarrLocator,
  options: ZarrCreateOptions,
): Promise<void> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot create "${locator}": expected options { shape, dtype }`);
  }
  const shape = options.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new RangeError(
      `Cannot create "${locator}": invalid shape [${shape}]: axis lengths must be non-negative integers`,
    );
  }
  const parsed = parseDescr(options.dtype);
  const dtype = parsed?.dtype ?? toDType(options.dtype);
  const bigEndian = parsed?.bigEndian ?? false;
  const itemsize = DTYPES[dtype].bytes;
  const chunks = options.chunks ?? defaultChunks(shape, itemsize);
  if (
    !Array.isArray(chunks) || chunks.length !== shape.length ||
    !chunks.every((c) => Number.isSafeInteger(c) && c >= 1)
  ) {
    throw new RangeError(
      `Cannot create "${locator}": invalid chunks [${chunks}] for shape [${shape.join(",")}]`,
    );
  }
  const choice = zarrCodecs(parseCodec(options.codec ?? "gzip:1"), itemsize);
  await Deno.mkdir(loc.path, { recursive: true });
  const store = new FsStore(loc.path);
  const object = loc.object ?? "/";
  const format = await storeFormat(store, loc.path, options.zarrFormat);
  await prepareNode(store, loc.path, object, format, options.overwrite === true);
  const fill = options.fillValue === null && format === 2
    ? null
    : options.fillValue ?? (DTYPES[dtype].kind === "b" ? false : 0);
  const fillText = fillJson(dtype, fill);
  const attributes: Record<string, unknown> = { ...(options.attributes ?? {}) };
  const dims = options.dimensions;
  if (dims !== undefined && (!Array.isArray(dims) || dims.length !== shape.length)) {
    throw new RangeError(
      `Cannot create "${locator}": ${
        Array.isArray(dims) ? dims.length : "no list of"
      } dimension names for ${shape.length} axes`,
    );
  }
  // xarray names every axis; v2 has no null name
  if (dims !== undefined && format === 2) {
    attributes._ARRAY_DIMENSIONS = dims.map((d, i) => d ?? `dim_${i}`);
  }
  const written: Record<string, unknown> = {};
  if (format === 2) {
    const zarray = {
      chunks: [...chunks],
      compressor: choice.v2,
      "dimension_separator": ".",
      dtype: bigEndian ? DTYPES[dtype].descr.replace("<", ">") : DTYPES[dtype].descr,
      "fill_value": null,
      filters: null,
      order: "C",
      shape: [...shape],
      "zarr_format": 2,
    };
    await putDoc(store, keyOf(object, ".zarray"), docJson(zarray, fillText), written);
    if (Object.keys(attributes).length > 0) {
      await putDoc(store, keyOf(object, ".zattrs"), docJson(attributes), written);
    }
  } else {
    const doc = {
      "zarr_format": 3,
      "node_type": "array",
      shape: [...shape],
      "data_type": DTYPES[dtype].zarr,
      "chunk_grid": { name: "regular", configuration: { "chunk_shape": [...chunks] } },
      "chunk_key_encoding": { name: "default", configuration: { separator: "/" } },
      "fill_value": null,
      codecs: [
        { name: "bytes", configuration: { endian: bigEndian ? "big" : "little" } },
        ...choice.v3,
      ],
      ...(dims === undefined ? {} : { "dimension_names": [...dims] }),
      attributes,
    };
    await putDoc(store, keyOf(object, "zarr.json"), docJsonOrdered(doc, fillText), written);
  }
  await updateConsolidated(store, written);
}

/** Writes the metadata of a new group, with its missing parents. */
export async function writeGroupMeta(loc: ZarrLocator, options: ZarrGroupOptions): Promise<void> {
  await Deno.mkdir(loc.path, { recursive: true });
  const store = new FsStore(loc.path);
  const object = loc.object ?? "/";
  const format = await storeFormat(store, loc.path, options.zarrFormat);
  await prepareNode(store, loc.path, object, format, false);
  const written: Record<string, unknown> = {};
  await putGroup(store, object, format, { ...(options.attributes ?? {}) }, written);
  await updateConsolidated(store, written);
}

/** The nodes of the store at `storePath`, depth first. */
export async function listNodes(storePath: string): Promise<ZarrNode[]> {
  const store = await openStore(storePath, true);
  const root = await readNode(store, storePath, "/");
  if (root === null) throw new FormatError(storePath, "no Zarr group or array at the root");
  const out: ZarrNode[] = [];
  const consolidatedPaths = nodePathsOf(store.consolidatedKeys());
  const walk = async (node: NodeMeta): Promise<void> => {
    out.push(nodeInfo(node));
    if (node.kind !== "group") return;
    const children = consolidatedPaths
      ? childrenOf(consolidatedPaths, node.path)
      : (await store.listDirs(node.path)).map((n) => joinPath(node.path, n));
    for (const child of children) {
      const meta = await readNode(store, storePath, child);
      if (meta !== null) await walk(meta);
    }
  };
  await walk(root);
  return out;
}

export function zarrLocator(text: string): { path: string; format: "zarr"; object: string | null } {
  const loc = parseLocator(text, { format: "zarr" });
  return { path: loc.path, format: "zarr", object: loc.object };
}

export async function openStore(path: string, consolidated: boolean): Promise<FsStore> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new FormatError(path, "the store does not exist", { cause: e });
    }
    throw e;
  }
  if (!stat.isDirectory) {
    throw new FormatError(path, "not a directory: a Zarr store is a directory");
  }
  const store = new FsStore(path);
  if (consolidated) {
    const bytes = await store.get(".zmetadata");
    if (bytes !== undefined) {
      let doc: { metadata?: unknown };
      try {
        doc = parseJson(new TextDecoder().decode(bytes)) as { metadata?: unknown };
      } catch (e) {
        throw new FormatError(
          path,
          `metadata ".zmetadata" is not valid JSON: ${(e as Error).message}`,
          { cause: e },
        );
      }
      if (typeof doc?.metadata !== "object" || doc.metadata === null) {
        throw new FormatError(path, `metadata ".zmetadata" has no "metadata" object`);
      }
      store.useConsolidated(doc.metadata as Record<string, unknown>);
    }
  }
  return store;
}

/** The format to create in: the one asked for, else the store root's, else 2. */
export async function storeFormat(store: FsStore, path: string, asked?: 2 | 3): Promise<2 | 3> {
  if (asked !== undefined && asked !== 2 && asked !== 3) {
    throw new RangeError(`Invalid zarrFormat ${asked}: expected 2 or 3`);
  }
  const root = await readNode(store, path, "/");
  if (root !== null && asked !== undefined && root.zarrFormat !== asked) {
    throw new TypeError(
      `Cannot create Zarr v${asked} nodes in "${path}": the store is Zarr v${root.zarrFormat}`,
    );
  }
  return asked ?? root?.zarrFormat ?? 2;
}

/** Refuses (or removes, with `overwrite`) a node at `object`; creates the missing parents. */
export async function prepareNode(
  store: FsStore,
  storePath: string,
  object: string,
  format: 2 | 3,
  overwrite: boolean,
): Promise<void> {
  const existing = await readNode(store, storePath, object).catch(() => "broken" as const);
  if (existing !== null) {
    if (!overwrite) {
      throw new Deno.errors.AlreadyExists(
        `Cannot create "${storePath}:${object}": ${
          existing === "broken" ? "a node" : `a ${existing.kind}`
        } is already there`,
      );
    }
    const dir = store.pathOf(object);
    for await (const e of Deno.readDir(dir)) {
      await Deno.remove(`${dir}/${e.name}`, { recursive: true });
    }
  }
  const parts = object.split("/").filter((p) => p !== "");
  const written: Record<string, unknown> = {};
  for (let i = 0; i < parts.length; i++) {
    const parent = `/${parts.slice(0, i).join("/")}`;
    const node = await readNode(store, storePath, parent);
    if (node === null) await putGroup(store, parent, format, {}, written);
    else if (node.kind !== "group") {
      throw new TypeError(`Cannot create "${storePath}:${object}": "${parent}" is an array`);
    }
  }
  await updateConsolidated(store, written);
}

export async function putGroup(
  store: FsStore,
  object: string,
  format: 2 | 3,
  attributes: Record<string, unknown>,
  written: Record<string, unknown>,
): Promise<void> {
  if (format === 2) {
    await putDoc(store, keyOf(object, ".zgroup"), docJson({ "zarr_format": 2 }), written);
    if (Object.keys(attributes).length > 0) {
      await putDoc(store, keyOf(object, ".zattrs"), docJson(attributes), written);
    }
  } else {
    const doc = { "zarr_format": 3, "node_type": "group", attributes };
    await putDoc(store, keyOf(object, "zarr.json"), JSON.stringify(doc, null, 2), written);
  }
}

export async function putDoc(
  store: FsStore,
  key: string,
  text: string,
  written: Record<string, unknown>,
): Promise<void> {
  await store.set(key, new TextEncoder().encode(text));
  if (!key.endsWith("zarr.json")) written[key] = parseJson(text);
}

/** Adds freshly written v2 metadata to the store's `.zmetadata`, when it has one. */
export async function updateConsolidated(
  store: FsStore,
  written: Record<string, unknown>,
): Promise<void> {
  if (Object.keys(written).length === 0) return;
  const bytes = await store.get(".zmetadata");
  if (bytes === undefined) return;
  const doc = parseJson(new TextDecoder().decode(bytes)) as { metadata?: Record<string, unknown> };
  if (typeof doc?.metadata !== "object" || doc.metadata === null) return;
  Object.assign(doc.metadata, written);
  await store.set(".zmetadata", new TextEncoder().encode(docJson(doc as Record<string, unknown>)));
}

/** zarr.json with its keys in the spec's order and the fill value written verbatim. */
export function docJsonOrdered(doc: Record<string, unknown>, fill: string): string {
  const marker = `${NONFINITE}fill`;
  return JSON.stringify({ ...doc, "fill_value": marker }, null, 2).replace(
    JSON.stringify(marker),
    fill,
  );
}

export function defaultChunks(shape: readonly number[], itemsize: number): number[] {
  const chunks = [...shape].map((d) => Math.max(1, d));
  while (chunks.reduce((a, b) => a * b, itemsize) > DEFAULT_CHUNK_BYTES) {
    let ax = 0;
    for (let i = 1; i < chunks.length; i++) if (chunks[i] > chunks[ax]) ax = i;
    if (chunks[ax] === 1) break;
    chunks[ax] = Math.ceil(chunks[ax] / 2);
  }
  return chunks;
}

export function nodeInfo(node: NodeMeta): ZarrNode {
  const base = {
    path: node.path,
    kind: node.kind,
    zarrFormat: node.zarrFormat,
    attributes: node.attributes,
  };
  if (node.kind === "group") return base;
  return { ...base, shape: node.shape, dtype: node.dtype, chunks: node.chunks, codec: node.codec };
}

export function joinPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

/** Node paths of consolidated keys (`a/b/.zarray` -> `/a/b`), or null. */
export function nodePathsOf(keys: string[] | null): string[] | null {
  if (keys === null) return null;
  const out = new Set<string>();
  for (const k of keys) {
    const m = /^(.*?)\/?(\.zarray|\.zgroup|zarr\.json)$/.exec(k);
    if (m) out.add(`/${m[1]}`);
  }
  return [...out].sort();
}

export function childrenOf(paths: string[], parent: string): string[] {
  const prefix = parent === "/" ? "/" : `${parent}/`;
  return paths.filter((p) =>
    p.startsWith(prefix) && p !== parent && !p.slice(prefix.length).includes("/")
  );
}

const V2_METADATA = new Set([".zarray", ".zgroup", ".zattrs"]);

/**
 * After the array at `object` was swapped in from its temporary `temp` (both
 * absolute paths in the store): the entries `.zmetadata` had under either
 * path are replaced by the v2 metadata now on disk under `object`. Nothing
 * when the store has no `.zmetadata`.
 */
export async function refreshConsolidated(
  storePath: string,
  object: string,
  temp: string,
): Promise<void> {
  const store = new FsStore(storePath);
  const bytes = await store.get(".zmetadata");
  if (bytes === undefined) return;
  const doc = parseJson(new TextDecoder().decode(bytes)) as { metadata?: Record<string, unknown> };
  if (typeof doc?.metadata !== "object" || doc.metadata === null) return;
  const metadata = doc.metadata;
  const base = normalizeKey(object);
  const prefixes = [base, normalizeKey(temp)].map((p) => `${p}/`);
  for (const key of Object.keys(metadata)) {
    if (prefixes.some((p) => key.startsWith(p))) delete metadata[key];
  }
  const walk = async (rel: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(`${storePath}/${rel}`));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const e of entries) {
      if (e.isFile && V2_METADATA.has(e.name)) {
        metadata[`${rel}/${e.name}`] = parseJson(
          await Deno.readTextFile(`${storePath}/${rel}/${e.name}`),
        );
      } else if (e.isDirectory && !e.name.startsWith(".")) {
        await walk(`${rel}/${e.name}`);
      }
    }
  };
  await walk(base);
  await store.set(".zmetadata", new TextEncoder().encode(docJson(doc as Record<string, unknown>)));
}
