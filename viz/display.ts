/**
 * What a notebook shows for an array (`deno jupyter`): a MIME bundle with
 * NumPy's repr as `text/plain` and, as `text/html`, the kind, shape and dtype,
 * the facts of its kind (a LazyArray's source and chunks, a DistArray's
 * distribution), a few values, a PNG heatmap of a 2-D array (or of a 2-D
 * corner of a larger one) and, for a distributed array, which rank owns what.
 *
 * `NDArray` gets its display from here, when this module loads (`mod.ts`
 * loads it), since `core/` draws no PNG;
 * `LazyArray` and `DistArray` build theirs with {@link displayBundle}.
 *
 * @example
 * ```ts
 * import { arange } from "../core/ndarray.ts";
 * import "./display.ts";
 * const a = arange(6).reshape([2, 3]) as unknown as Record<symbol, () => Record<string, string>>;
 * const bundle = a[Symbol.for("Jupyter.display")]();
 * if (!bundle["text/plain"].startsWith("array([[0, 1, 2],")) throw new Error("bad text");
 * if (!bundle["text/html"].includes("data:image/png;base64,")) throw new Error("no heatmap");
 * ```
 *
 * @module
 */

import { isComplex } from "../core/dtype.ts";
import { NDArray } from "../core/ndarray.ts";
import { distributionMap, heatmap, type PlottableDistribution } from "./plot.ts";

/** What {@link displayBundle} shows of one array. */
export interface DisplayFacts {
  /** `NDArray`, `LazyArray` or `DistArray`. */
  readonly kind: string;
  /** Axis lengths. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: string;
  /** Facts of the kind, shown as a table (`source`, `chunks`, `distribution`). */
  readonly facts?: readonly (readonly [string, string])[];
  /** Some or all of the values (a corner of a large array), or null when none are at hand. */
  readonly values?: NDArray | null;
  /** What `values` are when they are not the whole array (`the first 4 x 4`). */
  readonly valuesNote?: string;
  /** The distribution, for a picture of which rank owns what (1-D or 2-D). */
  readonly distribution?: PlottableDistribution;
}

const HEATMAP_MAX = 512 * 512;

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function image(png: Uint8Array, alt: string): string {
  return `<img alt="${escape(alt)}" src="data:image/png;base64,${base64(png)}">`;
}

/** A 2-D view of `a` to draw: itself, or its first 2-D plane; null when nothing fits. */
function plane(a: NDArray): NDArray | null {
  if (a.shape.length < 2 || a.size === 0 || a.dtype === "bool" || isComplex(a.dtype)) return null;
  let v = a;
  while (v.shape.length > 2) v = v.slice(0);
  return v.size <= HEATMAP_MAX ? v : null;
}

/**
 * The MIME bundle of an array for Jupyter.
 *
 * @param f What to show.
 * @returns `text/plain` and `text/html`.
 *
 * @example
 * ```ts
 * import { displayBundle } from "./display.ts";
 * const b = displayBundle({ kind: "LazyArray", shape: [4, 5], dtype: "float32", facts: [["source", "x.npy"]] });
 * if (!b["text/html"].includes("x.npy")) throw new Error("bad bundle");
 * ```
 */
export function displayBundle(f: DisplayFacts): Record<string, string> {
  const head = `${f.kind} ${f.dtype} [${f.shape.join(", ")}]`;
  const rows = (f.facts ?? []).map(([k, v]) =>
    `<tr><th style="text-align:left">${escape(k)}</th><td style="text-align:left">${
      escape(v)
    }</td></tr>`
  ).join("");
  const parts = [
    `<div><b>${escape(f.kind)}</b> <code>${escape(f.dtype)}</code> shape <code>[${
      f.shape.join(", ")
    }]</code>`,
  ];
  if (rows) parts.push(`<table>${rows}</table>`);
  let text = head;
  if (f.values) {
    const repr = Deno.inspect(f.values); // NumPy's repr (NDArray's custom inspect)
    text = f.valuesNote ? `${head}\n${f.valuesNote}:\n${repr}` : repr;
    if (f.valuesNote) parts.push(`<div>${escape(f.valuesNote)}:</div>`);
    parts.push(`<pre>${escape(repr)}</pre>`);
    const p = plane(f.values);
    if (p) {
      try {
        parts.push(image(heatmap(p, { width: 320, colorbar: true, title: f.kind }), "heatmap"));
      } catch { /* an array the heatmap refuses (all NaN): the text says it all */ }
    }
  }
  if (f.distribution && f.distribution.shape.length <= 2) {
    try {
      parts.push(image(distributionMap(f.distribution, { width: 320 }), "which rank owns what"));
    } catch { /* a distribution the map cannot draw */ }
  }
  parts.push("</div>");
  return { "text/plain": text, "text/html": parts.join("\n") };
}

// Gives `NDArray` its Jupyter display (idempotent; done when this module
// loads): NumPy's repr, and a heatmap for 2-D arrays (or the first plane).
function installNDArrayDisplay(): void {
  const key = Symbol.for("Jupyter.display");
  const proto = NDArray.prototype as unknown as Record<symbol, unknown>;
  if (proto[key]) return;
  Object.defineProperty(proto, key, {
    value: function (this: NDArray): Record<string, string> {
      return displayBundle({ kind: "NDArray", shape: this.shape, dtype: this.dtype, values: this });
    },
    configurable: true,
  });
}

installNDArrayDisplay();
