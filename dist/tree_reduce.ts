// The fixed-tree combination of reduction states across ranks (DESIGN.md,
// contract 3). Partial states are keyed on a global tile index 0..nTiles-1
// and combined in exactly the tree `mergeTree` builds over the same list:
// level L holds ceil(nTiles / 2^L) nodes, node j of level L covers tiles
// [j 2^L, min((j + 1) 2^L, nTiles)) and is merge(left child, right child), or
// its left child alone when the right one does not exist. Every rank merges
// the largest aligned subtrees that lie wholly inside its own tiles, the
// subtree roots are allgathered, and every rank finishes the same tree. So the
// result is the same on every rank, for any number of ranks and any
// assignment of tiles to ranks, and equal in every bit to `mergeTree` over the
// list of all tile states in one process.

import type { Comm } from "./comm.ts";
import {
  type Reducer,
  type ReduceState,
  stateBuffers,
  type StateField,
  stateFromBuffers,
} from "../core/reduce.ts";

/** A node of the global merge tree: level 0 is the tiles themselves. */
export interface TreeNode {
  /** Level in the tree (a node of level L covers up to 2^L tiles). */
  readonly level: number;
  /** Index of the node in its level. */
  readonly index: number;
  /** The combined state of the tiles it covers. */
  readonly state: ReduceState;
}

/** The level of the root of the tree over `n` tiles: the least L with 2^L >= n. */
export function rootLevel(n: number): number {
  let L = 0;
  while (2 ** L < n) L++;
  return L;
}

function checkTiles(nTiles: number): void {
  if (!Number.isSafeInteger(nTiles) || nTiles < 0) {
    throw new RangeError(`Invalid tile count ${nTiles}: must be a non-negative integer`);
  }
}

/**
 * Folds tile states, pushed in increasing tile order, into the largest
 * aligned subtrees of the global tree, merging as soon as a subtree is
 * complete: it holds at most about log2(nTiles) states at any time, so a rank
 * can step its tiles one by one without keeping every tile's state.
 */
export class TreeAccumulator {
  readonly #r: Reducer;
  readonly #n: number;
  readonly #root: number;
  readonly #stack: { level: number; index: number; state: ReduceState }[] = [];
  #last = -1;

  /**
   * @param r The reducer the states belong to.
   * @param nTiles Number of tiles of the whole global array.
   */
  constructor(r: Reducer, nTiles: number) {
    checkTiles(nTiles);
    this.#r = r;
    this.#n = nTiles;
    this.#root = rootLevel(nTiles);
  }

  /**
   * Adds the state of one tile. The state is consumed (it may be merged into).
   *
   * @param tile The tile's global index, greater than every tile pushed before.
   * @param state The tile's state.
   */
  push(tile: number, state: ReduceState): void {
    if (!Number.isSafeInteger(tile) || tile <= this.#last || tile >= this.#n) {
      throw new RangeError(
        `Invalid tile ${tile}: tiles must increase and lie in [0, ${this.#n}) (last was ${this.#last})`,
      );
    }
    this.#last = tile;
    const st = this.#stack;
    st.push({ level: 0, index: tile, state });
    for (;;) {
      const top = st[st.length - 1];
      // the last node of a level with an odd count is carried up unchanged
      if (
        top.level < this.#root && top.index % 2 === 0 &&
        (top.index + 1) * 2 ** top.level >= this.#n
      ) {
        top.level++;
        top.index /= 2;
        continue;
      }
      const below = st[st.length - 2];
      if (
        below && below.level === top.level && top.index % 2 === 1 &&
        below.index === top.index - 1
      ) {
        below.state = this.#r.merge(below.state, top.state);
        below.level++;
        below.index /= 2;
        st.pop();
        continue;
      }
      return;
    }
  }

  /**
   * The subtree roots accumulated so far, in tile order.
   *
   * @returns The nodes (sharing their states with the accumulator).
   */
  nodes(): TreeNode[] {
    return this.#stack.map((n) => ({ level: n.level, index: n.index, state: n.state }));
  }
}

const FIELD_BYTES: Record<StateField["dtype"], number> = {
  float64: 8,
  int64: 8,
  uint64: 8,
  uint8: 1,
};

function stateBytes(r: Reducer): number {
  return r.fields.reduce((s, f) => s + FIELD_BYTES[f.dtype] * r.slots, 0);
}

/**
 * Completes the global tree from the subtree roots each rank holds: one
 * allgather of the node list and one allgatherv of the states. Collective.
 *
 * @param comm The communicator; every rank calls this with its own nodes.
 * @param r The reducer.
 * @param nodes This rank's subtree roots (disjoint from every other rank's).
 * @param nTiles Number of tiles of the whole global array (the same on every rank).
 * @returns The root state: the same bits on every rank (a fresh `init()` for no tiles).
 * @throws {RangeError} When the ranks' nodes overlap or leave a tile uncovered.
 */
export function treeCombine(
  comm: Comm,
  r: Reducer,
  nodes: readonly TreeNode[],
  nTiles: number,
): ReduceState {
  checkTiles(nTiles);
  if (nTiles === 0) return r.init();
  const per = stateBytes(r);
  const send = new Uint8Array(per * nodes.length);
  let at = 0;
  for (const n of nodes) {
    for (const b of stateBuffers(n.state)) {
      send.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), at);
      at += b.byteLength;
    }
  }
  const lists = comm.allgatherJson(nodes.map((n) => [n.level, n.index]));
  const counts = lists.map((l) => l.length * per);
  const all = comm.allgatherv(send, { counts });
  // decode every node, checking that together they cover each tile once
  const have = new Map<string, ReduceState>();
  const spans: [number, number][] = [];
  let off = 0;
  for (const list of lists) {
    for (const [level, index] of list) {
      const bufs = r.fields.map((f) => {
        const len = FIELD_BYTES[f.dtype] * r.slots;
        const b = all.slice(off, off + len).buffer;
        off += len;
        return b;
      });
      const start = index * 2 ** level;
      spans.push([start, Math.min(start + 2 ** level, nTiles)]);
      have.set(`${level}:${index}`, stateFromBuffers(r, bufs));
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  let next = 0;
  for (const [lo, hi] of spans) {
    if (lo !== next) {
      throw new RangeError(
        lo < next
          ? `Invalid tile states: tile ${lo} is covered by more than one rank`
          : `Invalid tile states: tile ${next} has no state on any rank`,
      );
    }
    next = hi;
  }
  if (next !== nTiles) {
    throw new RangeError(`Invalid tile states: tile ${next} has no state on any rank`);
  }
  const node = (level: number, index: number): ReduceState => {
    const got = have.get(`${level}:${index}`);
    if (got) return got;
    const left = node(level - 1, 2 * index);
    const rightStart = (2 * index + 1) * 2 ** (level - 1);
    return rightStart < nTiles ? r.merge(left, node(level - 1, 2 * index + 1)) : left;
  };
  return node(rootLevel(nTiles), 0);
}

/**
 * Combines tile states held by the ranks of a communicator in the fixed
 * binary tree over the global tile index (the tree of `mergeTree`). Each rank
 * passes the states of the tiles it computed; every tile must be held by
 * exactly one rank. Collective. The states are consumed.
 *
 * @param comm The communicator.
 * @param r The reducer the states belong to.
 * @param localStates This rank's states by global tile index.
 * @param nTiles Number of tiles of the whole global array (the same on every rank).
 * @returns The combined state, the same bits on every rank and equal to
 *   `mergeTree(r, allStatesInTileOrder)` in one process.
 * @throws {RangeError} For a tile index outside [0, nTiles), or tiles covered twice or never.
 */
export function treeReduce(
  comm: Comm,
  r: Reducer,
  localStates: ReadonlyMap<number, ReduceState>,
  nTiles: number,
): ReduceState {
  const acc = new TreeAccumulator(r, nTiles);
  for (const t of [...localStates.keys()].sort((a, b) => a - b)) acc.push(t, localStates.get(t)!);
  return treeCombine(comm, r, acc.nodes(), nTiles);
}
