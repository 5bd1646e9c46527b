/**
 * Pictures of arrays, drawn pixel by pixel with no canvas, font or image
 * library: {@link heatmap} (a 2-D array as a PNG with a colour map, colour bar,
 * axes whose ticks name global indices or coordinates, robust colour limits,
 * a legend for missing cells, and a title), {@link distributionMap}
 * (which rank owns which part of a 1-D or 2-D distribution), {@link strideFor}
 * (the sampling step that keeps a huge array's picture small), and the PNG
 * encoder and decoder they write with ({@link encodePng}, {@link decodePng}).
 * Same floor as `io/`: it imports only `core/`.
 *
 * @example
 * ```ts
 * import { decodePng, heatmap } from "./mod.ts";
 * import { fromArray } from "../core/mod.ts";
 * const png = heatmap(fromArray([[0, 1], [2, 3]], "float64"), { cmap: "magma", title: "t2m" });
 * const img = decodePng(png);
 * if (img.channels !== 3 || img.width < 100) throw new Error("bad heatmap");
 * ```
 *
 * @module
 */

export * from "./png.ts";
export * from "./plot.ts";
export * from "./display.ts";
