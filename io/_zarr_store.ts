// A zarrita store over the local filesystem, with Deno's file API: keys are
// absolute store paths ("/group/array/.zarray"), values are bytes. A write
// goes to a temporary name in the same directory and is renamed into place,
// so a partially written chunk or metadata document is never visible; inside
// a staged output (a store or array under its temporary name, published by
// one rename: io/output.ts insideTemp) a file is written in place.
// Metadata keys may be served from a consolidated `.zmetadata` document.

import { insideTemp, writeFileAtomic } from "./output.ts";

const ENCODER = new TextEncoder();

/** Prefix of the strings that stand for NaN and the infinities inside parsed JSON. */
export const NONFINITE = "@@tessera-nonfinite@@";

/** A JSON.stringify replacer that keeps NaN and the infinities (as marked strings). */
export function nonFiniteReplacer(_key: string, v: unknown): unknown {
  return typeof v === "number" && !Number.isFinite(v) ? `${NONFINITE}${v}` : v;
}

/** Keys that hold metadata (as opposed to chunks). */
const METADATA_KEY = /(^|\/)(\.zarray|\.zgroup|\.zattrs|zarr\.json)$/;

/** Whether a store key names a metadata document. */
export function isMetadataKey(key: string): boolean {
  return METADATA_KEY.test(key);
}

/**
 * The filesystem store. Implements zarrita's `Readable` and `Mutable`
 * (`get(key)`, `set(key, bytes)`) plus the listing that `listZarr` needs.
 */
export class FsStore {
  /** The store's directory, as given. */
  readonly root: string;
  #consolidated: Map<string, Uint8Array> | null = null;
  #consolidatedDoc: Readonly<Record<string, unknown>> | null = null;
  /** The directories made or seen, and whether each is inside a staged output. */
  #madeDirs = new Map<string, boolean>();

  /**
   * @param root The store's directory.
   */
  constructor(root: string) {
    this.root = root;
  }

  /**
   * Serves metadata keys from a consolidated document (`.zmetadata`) instead
   * of the individual files; chunk keys still come from disk.
   */
  useConsolidated(metadata: Readonly<Record<string, unknown>>): void {
    const map = new Map<string, Uint8Array>();
    for (const [key, value] of Object.entries(metadata)) {
      map.set(normalizeKey(key), ENCODER.encode(JSON.stringify(value, nonFiniteReplacer)));
    }
    this.#consolidated = map;
    this.#consolidatedDoc = metadata;
  }

  /** The consolidated document given to {@link useConsolidated}, or null. */
  get consolidatedDoc(): Readonly<Record<string, unknown>> | null {
    return this.#consolidatedDoc;
  }

  /** Whether metadata comes from a consolidated document. */
  get consolidated(): boolean {
    return this.#consolidated !== null;
  }

  /** The keys of the consolidated document, or null when there is none. */
  consolidatedKeys(): string[] | null {
    return this.#consolidated ? [...this.#consolidated.keys()] : null;
  }

  /** The filesystem path of a key. */
  pathOf(key: string): string {
    return `${this.root}/${normalizeKey(key)}`;
  }

  /**
   * The bytes of a key, or undefined when there is no such file.
   *
   * @param key An absolute store key (`/a/.zarray`) or a relative one.
   * @returns The bytes, or undefined.
   */
  async get(key: string): Promise<Uint8Array | undefined> {
    const k = normalizeKey(key);
    if (this.#consolidated && isMetadataKey(k)) {
      const hit = this.#consolidated.get(k);
      if (hit !== undefined || !k.endsWith("zarr.json")) return hit;
    }
    try {
      return await Deno.readFile(`${this.root}/${k}`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory) {
        return undefined;
      }
      throw e;
    }
  }

  /**
   * Writes the bytes of a key, creating directories as needed: inside a
   * staged output in place, else to a temporary file next to it renamed over
   * the key (synced first when it replaces a file: io/output.ts).
   *
   * @param key An absolute store key.
   * @param bytes The bytes.
   */
  async set(key: string, bytes: Uint8Array): Promise<void> {
    const path = `${this.root}/${normalizeKey(key)}`;
    if (await this.#dirOf(path)) await Deno.writeFile(path, bytes);
    else await writeFileAtomic(path, bytes);
  }

  /**
   * The path a key's bytes may be written to in place by anyone (an encode
   * worker), its directory made: the key's file inside a staged output; null
   * elsewhere (there a write goes through {@link set}).
   *
   * @param key An absolute store key.
   * @returns The file's path, or null.
   */
  async stagedPath(key: string): Promise<string | null> {
    const path = `${this.root}/${normalizeKey(key)}`;
    return (await this.#dirOf(path)) ? path : null;
  }

  /** Makes the directory of `path` (once); whether it is inside a staged output. */
  async #dirOf(path: string): Promise<boolean> {
    const dir = path.slice(0, path.lastIndexOf("/"));
    let staged = this.#madeDirs.get(dir);
    if (staged === undefined) {
      await Deno.mkdir(dir, { recursive: true });
      staged = insideTemp(path);
      this.#madeDirs.set(dir, staged);
    }
    return staged;
  }

  /**
   * Whether the key exists on disk (or in the consolidated document).
   *
   * @param key A store key.
   * @returns True when it exists.
   */
  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /**
   * The names of the subdirectories of a store directory (hidden ones
   * excluded), sorted.
   *
   * @param prefix A store path (`/` for the root).
   * @returns The directory names.
   */
  async listDirs(prefix: string): Promise<string[]> {
    const k = normalizeKey(prefix);
    const out: string[] = [];
    try {
      for await (const e of Deno.readDir(k === "" ? this.root : `${this.root}/${k}`)) {
        if (e.isDirectory && !e.name.startsWith(".")) out.push(e.name);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return out.sort();
  }
}

/** Turns `/a/b/.zarray` or `a//b/.zarray` into `a/b/.zarray`; refuses `..`. */
export function normalizeKey(key: string): string {
  const parts = key.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new RangeError(`Invalid store key "${key}": it contains ".."`);
  return parts.join("/");
}
