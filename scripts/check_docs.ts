// Doc check, in the spirit of deno std's `_tools/check_docs.ts`: every public
// function and every public method or static method of a public class (as
// `deno doc --json mod.ts` sees the API) has JSDoc with an `@example` holding a
// fenced ```ts block that asserts something (`assert...` or `throw`). That the
// block runs is enforced by `deno test --doc` in the test step; this script
// only checks that there is one.
//
//   deno run -A scripts/check_docs.ts            # exit 1 when anything is missing
//   deno run -A scripts/check_docs.ts --report   # list only, exit 0
//
// Prints each missing one as `file:line Class.method` (or `file:line name`),
// then one count per file.
//
// Not checked (deliberately):
// - `#private` members (deno doc does not list them), `_`-prefixed members,
//   `private`/`protected` members, members tagged `@internal` or `@ignore`,
//   getters and setters, and well-known symbol methods such as
//   `[Symbol.dispose]` (a one-line doc says what closing does).
// - Members a class gets from an interface or type rather than from its own
//   body. The array types' operation methods are generated from one shared
//   operation table and declared by interface merging (an interface that
//   extends a mapped type of the table); deno doc lists them on the interface,
//   not in the class body, so they never reach the loop below: the table's
//   own example documents them for all array types at once.
// - A class method without an example of its own passes when an interface it
//   `implements` or a class it `extends` (by name, directly or further up,
//   private base classes included) declares the same member with an example:
//   a method documented once on the interface (`Comm`) need not repeat the
//   example in each implementation.

const ROOT = new URL("..", import.meta.url).pathname;
const report = Deno.args.includes("--report");

interface JsDocTag {
  kind: string;
  doc?: string;
}
interface JsDoc {
  doc?: string;
  tags?: JsDocTag[];
}
interface Location {
  filename: string;
  line: number;
}
interface Member {
  name: string;
  kind: string;
  isStatic?: boolean;
  accessibility?: string;
  jsDoc?: JsDoc | null;
  location: Location;
}
interface TypeRef {
  repr?: string;
}
interface Declaration {
  kind: string;
  declarationKind?: string;
  location: Location;
  jsDoc?: JsDoc | null;
  def?: {
    methods?: Member[];
    extends?: string | TypeRef[];
    implements?: TypeRef[];
  };
}
interface DocSymbol {
  name: string;
  declarations: Declaration[];
}

/**
 * An `@example` with a ```ts block that `deno test --doc` runs (not `ignore`)
 * and that checks a value (`assert...` or `throw`), as STYLE.md asks.
 */
function hasRunnableExample(js: JsDoc | null | undefined): boolean {
  for (const tag of js?.tags ?? []) {
    if (tag.kind !== "example" || !tag.doc) continue;
    for (const m of tag.doc.matchAll(/^[ \t]*```(\S*)([^\n]*)\n([\s\S]*?)^[ \t]*```/gm)) {
      if (m[1] === "ts" && !/\bignore\b/.test(m[2]) && /\bassert|\bthrow\b/.test(m[3])) return true;
    }
  }
  return false;
}

function hasTag(js: JsDoc | null | undefined, kind: string): boolean {
  return (js?.tags ?? []).some((t) => t.kind === kind);
}

function skipped(m: Member): boolean {
  return m.kind !== "method" || m.name.startsWith("_") || m.name.startsWith("#") ||
    m.name.startsWith("[") || m.accessibility === "private" ||
    m.accessibility === "protected" || hasTag(m.jsDoc, "internal") || hasTag(m.jsDoc, "ignore");
}

async function docJson(args: string[]): Promise<DocSymbol[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    console.error(new TextDecoder().decode(out.stderr));
    throw new Error(`Cannot read the API: "deno doc --json ${args.join(" ")}" exited ${out.code}`);
  }
  const json = JSON.parse(new TextDecoder().decode(out.stdout));
  // deno doc JSON version 2: { version, nodes: { [specifier]: { symbols } } }
  const nodes: { symbols?: DocSymbol[] }[] = Object.values(json.nodes ?? {});
  return nodes.flatMap((n) => n.symbols ?? []);
}

function index(symbols: DocSymbol[]): Map<string, Declaration[]> {
  const byName = new Map<string, Declaration[]>();
  for (const s of symbols) byName.set(s.name, [...(byName.get(s.name) ?? []), ...s.declarations]);
  return byName;
}

const symbols = await docJson(["mod.ts"]);
const publicByName = index(symbols);
// A parent that is not public (a base class in a private file) is looked up in
// every source file, read once and only when needed.
let privateByName: Map<string, Declaration[]> | null = null;
const BUILTIN = new Set([
  "Error",
  "TypeError",
  "RangeError",
  "SyntaxError",
  "Disposable",
  "AsyncDisposable",
  "Iterable",
  "AsyncIterable",
]);
async function declarations(name: string): Promise<Declaration[]> {
  const pub = publicByName.get(name);
  if (pub) return pub;
  if (BUILTIN.has(name)) return [];
  if (!privateByName) {
    const files: string[] = [];
    for (const dir of ["core", "ffi", "io", "viz", "dist", "stream"]) {
      try {
        for await (const e of Deno.readDir(`${ROOT}${dir}`)) {
          if (e.isFile && e.name.endsWith(".ts")) files.push(`${dir}/${e.name}`);
        }
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
    privateByName = index(await docJson(["--private", ...files.sort()]));
  }
  return privateByName.get(name) ?? [];
}

// Members (by "static:name") with an example, declared on a named interface or
// class or on one of its own parents.
async function documentedMembers(name: string, seen = new Set<string>()): Promise<Set<string>> {
  const found = new Set<string>();
  if (seen.has(name)) return found;
  seen.add(name);
  for (const d of await declarations(name)) {
    if (d.kind !== "class" && d.kind !== "interface") continue;
    for (const m of d.def?.methods ?? []) {
      if (hasRunnableExample(m.jsDoc)) found.add(`${!!m.isStatic}:${m.name}`);
    }
    for (const parent of parents(d)) {
      for (const k of await documentedMembers(parent, seen)) found.add(k);
    }
  }
  return found;
}

function parents(d: Declaration): string[] {
  const names: string[] = [];
  const ext = d.def?.extends;
  if (typeof ext === "string") names.push(ext);
  else if (Array.isArray(ext)) names.push(...ext.map((t) => t.repr ?? ""));
  names.push(...(d.def?.implements ?? []).map((t) => t.repr ?? ""));
  // `Base<T>` -> `Base`
  return names.map((n) => n.replace(/<.*$/, "")).filter((n) => n !== "");
}

interface Missing {
  file: string;
  line: number;
  what: string;
}
const missing: Missing[] = [];
const rel = (f: string): string => f.replace(/^file:\/\//, "").replace(ROOT, "");
let checked = 0;

for (const s of symbols) {
  const fns = s.declarations.filter((d) => d.kind === "function");
  if (fns.length) {
    // overloads: one example on any signature serves them all
    checked++;
    if (!fns.some((d) => hasRunnableExample(d.jsDoc))) {
      missing.push({
        file: rel(fns[0].location.filename),
        line: fns[0].location.line + 1, // deno doc counts lines from 0
        what: s.name,
      });
    }
  }
  for (const d of s.declarations.filter((d) => d.kind === "class")) {
    let inherited: Set<string> | null = null; // read only when a method lacks its own example
    const groups = new Map<string, Member[]>();
    for (const m of d.def?.methods ?? []) {
      if (skipped(m)) continue;
      const key = `${!!m.isStatic}:${m.name}`;
      groups.set(key, [...(groups.get(key) ?? []), m]);
    }
    for (const [key, ms] of groups) {
      checked++;
      if (ms.some((m) => hasRunnableExample(m.jsDoc))) continue;
      if (!inherited) {
        inherited = new Set();
        for (const p of parents(d)) for (const k of await documentedMembers(p)) inherited.add(k);
      }
      if (inherited.has(key)) continue;
      missing.push({
        file: rel(ms[0].location.filename),
        line: ms[0].location.line + 1,
        what: `${s.name}.${ms[0].name}`,
      });
    }
  }
}

missing.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
for (const m of missing) console.log(`${m.file}:${m.line} ${m.what}`);
const perFile = new Map<string, number>();
for (const m of missing) perFile.set(m.file, (perFile.get(m.file) ?? 0) + 1);
if (missing.length) {
  console.log("");
  for (const [f, n] of perFile) console.log(`${String(n).padStart(4)} ${f}`);
}
console.log(
  `${missing.length} of ${checked} public functions and methods have no @example with a \`\`\`ts block that asserts`,
);
if (missing.length && !report) Deno.exit(1);
