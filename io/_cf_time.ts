// CF time coordinates ("days since 1900-01-01 00:00:00", with a calendar)
// turned into ISO 8601 text, as cftime/xarray decode them. Private to io/
// (used by `info`; the CF decoding of the stream layer may reuse it).

const UNIT_MS: Readonly<Record<string, number>> = {
  microseconds: 1e-3,
  microsecond: 1e-3,
  us: 1e-3,
  milliseconds: 1,
  millisecond: 1,
  msec: 1,
  ms: 1,
  seconds: 1e3,
  second: 1e3,
  secs: 1e3,
  sec: 1e3,
  s: 1e3,
  minutes: 60e3,
  minute: 60e3,
  mins: 60e3,
  min: 60e3,
  hours: 3600e3,
  hour: 3600e3,
  hrs: 3600e3,
  hr: 3600e3,
  h: 3600e3,
  days: 86400e3,
  day: 86400e3,
  d: 86400e3,
  weeks: 7 * 86400e3,
  week: 7 * 86400e3,
};

const DAY_MS = 86400e3;

/** Calendars whose years all have the same months (CF 4.4.1). */
const FIXED: Readonly<Record<string, readonly number[]>> = {
  noleap: [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
  "365_day": [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
  "all_leap": [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
  "366_day": [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
  "360_day": [30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
};

/** The parsed `UNIT since DATE` of a CF time variable. */
export interface CfTimeUnits {
  /** Milliseconds in one unit. */
  readonly unitMs: number;
  /** The unit as written (`days`). */
  readonly unit: string;
  /** Reference date: year, month (1-12), day, and milliseconds into that day (UTC). */
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly msOfDay: number;
}

const REF = new RegExp(
  String.raw`^([+-]?\d{1,6})-(\d{1,2})-(\d{1,2})` +
    String.raw`(?:[T ]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?` +
    String.raw`\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?$`,
  "i",
);

/**
 * Parses CF time units (`"hours since 1900-01-01 00:00:0.0"`), or null when
 * `units` are not time units.
 */
export function parseCfTimeUnits(units: string): CfTimeUnits | null {
  const m = /^\s*([A-Za-z]+)\s+since\s+(.+?)\s*$/i.exec(units);
  if (m === null) return null;
  const unit = m[1].toLowerCase();
  const unitMs = UNIT_MS[unit];
  if (unitMs === undefined) return null;
  const r = REF.exec(m[2]);
  if (r === null) return null;
  const [year, month, day] = [Number(r[1]), Number(r[2]), Number(r[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  let msOfDay = (Number(r[4] ?? 0) * 3600 + Number(r[5] ?? 0) * 60 + Number(r[6] ?? 0)) * 1e3;
  const tz = r[7];
  if (tz !== undefined && /^[+-]/.test(tz)) {
    const t = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(tz);
    if (t === null) return null;
    const offset = (Number(t[2]) * 60 + Number(t[3] ?? 0)) * 60e3;
    msOfDay -= t[1] === "-" ? -offset : offset;
  }
  return { unitMs, unit, year, month, day, msOfDay };
}

// Days from 1970-01-01 of a proleptic Gregorian date (day may overflow).
function gregorianDays(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return Math.round(d.getTime() / DAY_MS);
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, "0");
  return n < 0 ? `-${s}` : s;
}

function text(y: number, mo: number, d: number, ms: number, withTime: boolean): string {
  const date = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}`;
  if (!withTime) return date;
  const s = Math.floor(ms / 1e3);
  const frac = ms - s * 1e3;
  const hms = `${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${
    pad(s % 60, 2)
  }`;
  return `${date}T${hms}${frac > 0 ? `.${pad(Math.round(frac), 3)}` : ""}`;
}

// A fixed calendar's day number from year 0 and back.
function fixedDays(months: readonly number[], y: number, m: number, d: number): number {
  const year = months.reduce((a, b) => a + b, 0);
  let days = y * year + d - 1;
  for (let i = 0; i < m - 1; i++) days += months[i];
  return days;
}

function fixedDate(months: readonly number[], days: number): [number, number, number] {
  const year = months.reduce((a, b) => a + b, 0);
  const y = Math.floor(days / year);
  let rest = days - y * year;
  let m = 0;
  while (rest >= months[m]) rest -= months[m++];
  return [y, m + 1, rest + 1];
}

/**
 * CF time values as ISO 8601 text (`2020-01-01`, or `2020-01-01T06:00:00`
 * when any value has a time of day), as cftime/xarray decode them, for the
 * calendars `standard`/`gregorian` (dates from 1582-10-15 on, where they
 * agree with the proleptic calendar), `proleptic_gregorian`, `noleap`/
 * `365_day`, `all_leap`/`366_day` and `360_day`. NaN values give null.
 *
 * @param values The stored numbers (after any scale and offset).
 * @param units CF units, `"UNIT since DATE"`.
 * @param calendar The CF calendar (default `standard`).
 * @returns One string per value, or null when the units are not CF time
 *   units or the calendar (or a date before 1582-10-15 in the standard
 *   calendar) is not handled: the caller shows the raw numbers.
 */
export function decodeCfTimes(
  values: ArrayLike<number | bigint>,
  units: string,
  calendar = "standard",
): (string | null)[] | null {
  const u = parseCfTimeUnits(units);
  if (u === null) return null;
  const cal = calendar.trim().toLowerCase();
  const offsets: (number | null)[] = []; // ms from the reference day's midnight
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    offsets.push(Number.isFinite(v) ? Math.round(v * u.unitMs + u.msOfDay) : null);
  }
  const parts: ([number, number, number, number] | null)[] = [];
  const fixed = FIXED[cal];
  if (fixed !== undefined) {
    const base = fixedDays(fixed, u.year, u.month, u.day);
    for (const o of offsets) {
      if (o === null) {
        parts.push(null);
        continue;
      }
      const days = Math.floor(o / DAY_MS);
      parts.push([...fixedDate(fixed, base + days), o - days * DAY_MS]);
    }
  } else if (["standard", "gregorian", "proleptic_gregorian"].includes(cal)) {
    const base = gregorianDays(u.year, u.month, u.day) * DAY_MS;
    const switchover = gregorianDays(1582, 10, 15) * DAY_MS;
    for (const o of offsets) {
      if (o === null) {
        parts.push(null);
        continue;
      }
      const t = base + o;
      if (cal !== "proleptic_gregorian" && (t < switchover || base < switchover)) return null;
      const d = new Date(t);
      if (Number.isNaN(d.getTime())) return null;
      const dayMs = t - Math.floor(t / DAY_MS) * DAY_MS;
      parts.push([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), dayMs]);
    }
  } else {
    return null;
  }
  const withTime = parts.some((p) => p !== null && p[3] !== 0);
  return parts.map((p) => (p === null ? null : text(p[0], p[1], p[2], p[3], withTime)));
}
