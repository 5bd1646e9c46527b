/**
 * CF time coordinates (`"hours since 1900-01-01 00:00:0.0"`, with a
 * calendar) decoded to ISO 8601 dates, as cftime and xarray decode them.
 *
 * @example
 * ```ts
 * import { decodeCfTimes } from "./cf_time.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(decodeCfTimes([0, 31], "days since 2020-01-01"), ["2020-01-01", "2020-02-01"]);
 * ```
 *
 * @module
 */

import { decodeCfTimes as decode } from "./_cf_time.ts";

/**
 * CF time values as ISO 8601 text (`2020-01-01`, or `2020-01-01T06:00:00`
 * when any value has a time of day), as cftime/xarray decode them, for the
 * calendars `standard`/`gregorian` (dates from 1582-10-15 on, where they
 * agree with the proleptic calendar), `proleptic_gregorian`, `noleap`/
 * `365_day`, `all_leap`/`366_day` and `360_day`. NaN values give null.
 *
 * @param values The stored numbers (after any scale and offset), such as a
 *   time coordinate variable's values.
 * @param units CF units, `"UNIT since DATE"` (the variable's `units` attribute).
 * @param calendar The CF calendar (the `calendar` attribute; default `standard`).
 * @returns One string per value, or null when the units are not CF time
 *   units or the calendar (or a date before 1582-10-15 in the standard
 *   calendar) is not handled: show the raw numbers then.
 *
 * @example
 * ```ts
 * import { decodeCfTimes } from "./cf_time.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   decodeCfTimes([1060464, 1060470], "hours since 1900-01-01 00:00:00.0", "gregorian"),
 *   ["2020-12-23T00:00:00", "2020-12-23T06:00:00"],
 * );
 * assert.deepEqual(decodeCfTimes([59], "days since 2001-01-01", "360_day"), ["2001-02-30"]);
 * assert.equal(decodeCfTimes([1], "metres"), null);
 * ```
 */
export function decodeCfTimes(
  values: ArrayLike<number | bigint>,
  units: string,
  calendar = "standard",
): (string | null)[] | null {
  return decode(values, units, calendar);
}
