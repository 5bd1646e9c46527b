/**
 * Engine plugins: how a layer above dist/ (stream/'s LazyArray proxies)
 * adds commands to the engines of a {@link Context} without dist/ importing
 * it. A plugin is a module that calls {@link registerEngineCommand} when it
 * is imported; the client asks the engines to import it by URL
 * (`Context.loadPlugin`), then sends commands by the names it registered.
 *
 * @module
 */

import type { Comm } from "./comm.ts";

/** What an engine gives a plugin's command. */
export interface EngineHost {
  /** The engines' communicator. */
  readonly comm: Comm;
  /** The object held under an id (a DistArray, or what a plugin kept). */
  get(id: number): unknown;
  /**
   * Keeps a result under the command's `out` id and returns what goes back to the
   * client: a DistArray becomes a `DistArrayProxy`, an NDArray above the context's
   * result limit a DistArray (scattered from rank 0); other values are returned as
   * they are (keep other objects with {@link EngineHost.keep}).
   */
  result(value: unknown): unknown;
  /** Keeps any object under the command's `out` id (a plugin's own remote objects). */
  keep(value: unknown): number;
  /** Decodes an encoded argument of the command (`{$ref}` resolved by {@link EngineHost.get}). */
  decode(json: unknown): unknown;
}

/** A plugin's command: runs on every engine with the command's header. */
export type EngineCommand = (
  host: EngineHost,
  header: Readonly<Record<string, unknown>>,
) => unknown | Promise<unknown>;

const COMMANDS = new Map<string, EngineCommand>();

/**
 * Registers an engine command (in a plugin module, at import). Names must
 * contain a dot (`"lazy.open"`) so they never clash with the engine's own.
 *
 * @param name The command's name.
 * @param command Its implementation.
 * @throws {TypeError} For a name without a dot or one already registered to another function.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { engineCommand, registerEngineCommand } from "./engine_plugin.ts";
 * registerEngineCommand("demo.rank", (host) => host.comm.rank);
 * assert.equal(typeof engineCommand("demo.rank"), "function");
 * ```
 */
export function registerEngineCommand(name: string, command: EngineCommand): void {
  if (typeof name !== "string" || !name.includes(".")) {
    throw new TypeError(`Invalid engine command name "${name}": expected "plugin.command"`);
  }
  if (typeof command !== "function") {
    throw new TypeError(`Invalid engine command "${name}": expected a function`);
  }
  const known = COMMANDS.get(name);
  if (known && known !== command) {
    throw new TypeError(`Engine command "${name}" is already registered`);
  }
  COMMANDS.set(name, command);
}

/**
 * The command registered under a name, or undefined.
 *
 * @param name The command's name.
 * @returns The command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { engineCommand } from "./engine_plugin.ts";
 * assert.equal(engineCommand("no.such"), undefined);
 * ```
 */
export function engineCommand(name: string): EngineCommand | undefined {
  return COMMANDS.get(name);
}

/**
 * The property by which a client-side object of a plugin says it stands for an
 * object held by the engines: its value is `{ context, id }`, and such an object
 * travels to the engines as a reference (as a `DistArrayProxy` does).
 */
export const REMOTE_REF: unique symbol = Symbol("tessera.remoteRef");

/** The value of an object's {@link REMOTE_REF} property. */
export interface RemoteRef {
  /** The context whose engines hold the object. */
  readonly context: object;
  /** Its id on the engines. */
  readonly id: number;
}
