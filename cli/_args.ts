// The command-line grammar of `tessera`: commands with positional arguments
// (`<required>`, `[optional]`, `<variadic...>`) and options (`--flag`,
// `-o, --output <value>`, `--name=value`), help and version, parsed without
// any library so that `tessera info x.npy` loads nothing it does not use.
// The messages follow commander's ("unknown option '--frob'").

import { UsageError } from "./_session.ts";

/** One option of a command. */
export interface OptionSpec {
  /** `--keepdims`, `-q, --quiet`, `--axis <a,b>`, `-o, --output <dst>`. */
  readonly flags: string;
  /** One line of help. */
  readonly description: string;
  /** Value when the option is absent. */
  readonly default?: string;
  /** Refuse the command line without it. */
  readonly required?: boolean;
}

/** One command. */
export interface CommandSpec {
  /** The command's name. */
  readonly name: string;
  /** One line of help. */
  readonly description: string;
  /** Positional arguments: `["<src>", "source locator"]`, `["[locator]", ...]`, `["<b...>", ...]`. */
  readonly args: readonly (readonly [string, string])[];
  /** Options. */
  readonly options: readonly OptionSpec[];
}

/** A program: commands, version, help text. */
export interface ProgramSpec {
  /** The program's name. */
  readonly name: string;
  /** The version printed by `--version`. */
  readonly version: string;
  /** One line of help. */
  readonly description: string;
  /** Text after the help's command list. */
  readonly epilog: string;
  /** The commands. */
  readonly commands: readonly CommandSpec[];
}

/** A parsed option flag. */
export interface ParsedFlag {
  /** `-o` or null. */
  readonly short: string | null;
  /** `--output`. */
  readonly long: string;
  /** Key in the options record (`maxPixels` for `--max-pixels`). */
  readonly key: string;
  /** Whether it takes a value. */
  readonly takesValue: boolean;
  /** The spec. */
  readonly spec: OptionSpec;
}

/** What the command line asks for. */
export type Parsed =
  | { readonly kind: "help"; readonly text: string; readonly error: boolean }
  | { readonly kind: "version"; readonly text: string }
  | {
    readonly kind: "run";
    readonly command: string;
    /** One entry per declared argument (string, string[] for variadic, undefined when absent). */
    readonly args: readonly (string | string[] | undefined)[];
    readonly options: Readonly<Record<string, string | boolean | undefined>>;
  };

const HELP: OptionSpec = { flags: "-h, --help", description: "display help for command" };

/** Splits an option's flags into its short and long names and whether it takes a value. */
export function parseFlags(spec: OptionSpec): ParsedFlag {
  const m = /^(?:(-\w), )?(--[\w-]+)(?: [<[].*[>\]])?$/.exec(spec.flags);
  if (!m) throw new Error(`Bad option flags "${spec.flags}"`);
  const long = m[2];
  const key = long.slice(2).replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  return { short: m[1] ?? null, long, key, takesValue: /[<[]/.test(spec.flags), spec };
}

function argName(text: string): { name: string; required: boolean; variadic: boolean } {
  const variadic = text.includes("...");
  return { name: text.replace(/[<>[\].]/g, ""), required: text.startsWith("<"), variadic };
}

function wrap(text: string, width: number, indent: number): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

function table(rows: readonly [string, string][]): string[] {
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${wrap(b, Math.max(30, 78 - w - 4), w + 4)}`);
}

function usageOf(c: CommandSpec): string {
  return `${c.name}${c.options.length ? " [options]" : ""}${c.args.map(([a]) => ` ${a}`).join("")}`;
}

/** The help of the program. */
export function programHelp(p: ProgramSpec): string {
  return [
    `Usage: ${p.name} [options] [command]`,
    "",
    wrap(p.description, 80, 0),
    "",
    "Options:",
    ...table([["-V, --version", "output the version number"], [HELP.flags, HELP.description]]),
    "",
    "Commands:",
    ...table([
      ...p.commands.map((c): [string, string] => [usageOf(c), c.description]),
      ["help [command]", "display help for command"],
    ]),
    "",
    p.epilog.trim(),
    "",
  ].join("\n");
}

/** The help of one command. */
export function commandHelp(p: ProgramSpec, c: CommandSpec): string {
  const out = [`Usage: ${p.name} ${usageOf(c)}`, "", wrap(c.description, 80, 0), ""];
  if (c.args.length) {
    out.push("Arguments:", ...table(c.args.map(([a, d]) => [argName(a).name, d])), "");
  }
  out.push(
    "Options:",
    ...table([...c.options, HELP].map((o) => [
      o.flags,
      o.default === undefined ? o.description : `${o.description} (default: "${o.default}")`,
    ])),
    "",
  );
  return out.join("\n");
}

function parseCommand(p: ProgramSpec, c: CommandSpec, argv: readonly string[]): Parsed {
  const flags = c.options.map(parseFlags);
  const options: Record<string, string | boolean | undefined> = {};
  for (const f of flags) if (f.spec.default !== undefined) options[f.key] = f.spec.default;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (tok === "-h" || tok === "--help") {
      return { kind: "help", text: commandHelp(p, c), error: false };
    }
    if (tok.length < 2 || !tok.startsWith("-")) {
      positional.push(tok);
      continue;
    }
    const eq = tok.startsWith("--") ? tok.indexOf("=") : -1;
    const name = eq > 0 ? tok.slice(0, eq) : tok.startsWith("--") ? tok : tok.slice(0, 2);
    const f = flags.find((x) => x.long === name || x.short === name);
    if (f === undefined) {
      const near = flags.find((x) => x.long.startsWith(name.slice(0, 4)) && name.length > 3);
      throw new UsageError(
        `unknown option '${eq > 0 ? name : tok}'${near ? `\n(Did you mean ${near.long}?)` : ""}`,
      );
    }
    if (!f.takesValue) {
      if (eq > 0 || (!tok.startsWith("--") && tok.length > 2)) {
        throw new UsageError(`option '${f.spec.flags}' takes no argument`);
      }
      options[f.key] = true;
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = tok.slice(eq + 1);
    else if (!tok.startsWith("--") && tok.length > 2) value = tok.slice(2);
    else if (i + 1 < argv.length) value = argv[++i];
    if (value === undefined) throw new UsageError(`option '${f.spec.flags}' argument missing`);
    options[f.key] = value;
  }
  const args: (string | string[] | undefined)[] = [];
  let at = 0;
  for (const [text] of c.args) {
    const a = argName(text);
    if (a.variadic) {
      const rest = positional.slice(at);
      at = positional.length;
      if (a.required && rest.length === 0) {
        throw new UsageError(`missing required argument '${a.name}'`);
      }
      args.push(rest);
      continue;
    }
    if (at < positional.length) args.push(positional[at++]);
    else if (a.required) throw new UsageError(`missing required argument '${a.name}'`);
    else args.push(undefined);
  }
  if (at < positional.length) {
    throw new UsageError(
      `too many arguments for '${c.name}'. Expected ${c.args.length} argument${
        c.args.length === 1 ? "" : "s"
      } but got ${positional.length}.`,
    );
  }
  for (const f of flags) {
    if (f.spec.required && options[f.key] === undefined) {
      throw new UsageError(`required option '${f.spec.flags}' not specified`);
    }
  }
  return { kind: "run", command: c.name, args, options };
}

/**
 * Parses a command line.
 *
 * @param p The program.
 * @param argv The arguments after the program's name.
 * @returns Help or version text to print, or the command to run.
 * @throws {UsageError} For an unknown command or option, a missing argument or option value.
 */
export function parseArgv(p: ProgramSpec, argv: readonly string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined) return { kind: "help", text: programHelp(p), error: true };
  if (first === "-h" || first === "--help") {
    return { kind: "help", text: programHelp(p), error: false };
  }
  if (first === "-V" || first === "--version") return { kind: "version", text: `${p.version}\n` };
  if (first === "help") {
    const c = p.commands.find((x) => x.name === rest[0]);
    return { kind: "help", text: c ? commandHelp(p, c) : programHelp(p), error: false };
  }
  if (first.startsWith("-")) throw new UsageError(`unknown option '${first}'`);
  const c = p.commands.find((x) => x.name === first);
  if (c === undefined) {
    const near = p.commands.find((x) => x.name.startsWith(first.slice(0, 3)) && first.length > 2);
    throw new UsageError(
      `unknown command '${first}'${near ? `\n(Did you mean ${near.name}?)` : ""}`,
    );
  }
  return parseCommand(p, c, rest);
}
