/**
 * The names of the reductions, in a module of their own so that the CLI can
 * list them without loading the kernels.
 *
 * @module
 */

/** Every reduction, by its NumPy name. */
export const REDUCTION_NAMES = [
  "sum",
  "prod",
  "min",
  "max",
  "mean",
  "var",
  "std",
  "argmin",
  "argmax",
  "any",
  "all",
  "count_nonzero",
  "nansum",
  "nanmean",
  "nanmin",
  "nanmax",
  "nanvar",
  "nanstd",
] as const;

/** The order statistics (core/sort.ts), which `tessera reduce` also runs by name. */
export const ORDER_REDUCTION_NAMES = ["median", "quantile", "percentile"] as const;
