// The fixed merge tree of reduction states keyed on the global chunk index
// (DESIGN.md, contract 3), shared by the out-of-core executor and the
// DistArray layer.
//
// The tree is the one `mergeTree` builds over `n` states: node (level k,
// index j) covers chunks [j * 2^k, min((j + 1) * 2^k, n)); it is
// merge(node(k-1, 2j), node(k-1, 2j+1)) when the right child exists, else
// node(k-1, 2j) carried up unchanged. Each rank merges, in chunk order, the
// maximal subtrees lying inside the chunks it owns (`TreeMerger`, at most
// log2(n) + 1 states alive), sends those few states to every rank, and every
// rank completes the same tree: the bits do not depend on the rank count.

import type { Comm } from "../dist/comm.ts";
import {
  type Reducer,
  type ReduceState,
  type StateArray,
  stateBuffers,
  stateFromBuffers,
} from "../core/reduce.ts";

/** A completed subtree: node (level, index) of the global tree and its state. */
export interface TreeNode {
  /** Level: 0 for one chunk, k for up to 2^k chunks. */
  readonly level: number;
  /** Index of the node within its level. */
  readonly index: number;
  /** The merged state of the node's chunks. */
  readonly state: ReduceState;
}

/** Number of levels above the leaves: the root is node (depth, 0). */
export function treeDepth(n: number): number {
  let k = 0;
  while (2 ** k < n) k++;
  return k;
}

/** Whether node (k, j) has a right child in a tree over `n` leaves. */
function hasRight(k: number, j: number, n: number): boolean {
  return (2 * j + 1) * 2 ** (k - 1) < n;
}

/**
 * Merges the states of consecutive chunks as they come, in chunk order,
 * into the maximal completed subtrees of the global tree over `n` chunks.
 * Chunks may be pushed from any set of contiguous ranges, in increasing
 * order; subtrees never span a gap.
 */
export class TreeMerger {
  readonly #r: Reducer;
  readonly #n: number;
  readonly #stack: { level: number; index: number; state: ReduceState }[] = [];
  #last = -1;

  /**
   * @param r The reducer the states belong to.
   * @param n Number of chunks in the whole (global) tree.
   */
  constructor(r: Reducer, n: number) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`Invalid chunk count ${n}`);
    this.#r = r;
    this.#n = n;
  }

  /**
   * Adds the state of one chunk (consumed: it may be merged into).
   *
   * @param chunk Global chunk index, larger than every index pushed before.
   * @param state The chunk's state.
   */
  push(chunk: number, state: ReduceState): void {
    if (!Number.isInteger(chunk) || chunk <= this.#last || chunk >= this.#n) {
      throw new RangeError(
        `Invalid chunk index ${chunk}: expected an integer above ${this.#last} and below ${this.#n}`,
      );
    }
    this.#last = chunk;
    const st = this.#stack;
    let node = { level: 0, index: chunk, state };
    for (;;) {
      const { level: k, index: j } = node;
      if (j % 2 === 1) {
        const top = st[st.length - 1];
        if (top && top.level === k && top.index === j - 1) {
          st.pop();
          node = { level: k + 1, index: (j - 1) / 2, state: this.#r.merge(top.state, node.state) };
          continue;
        }
      } else if ((j + 1) * 2 ** k >= this.#n && 2 ** k < this.#n) {
        // no right sibling anywhere: the parent is this node carried up
        node = { level: k + 1, index: j / 2, state: node.state };
        continue;
      }
      break;
    }
    st.push(node);
  }

  /**
   * The maximal completed subtrees so far, in chunk order.
   *
   * @returns The nodes (their states are shared, not copied).
   */
  nodes(): TreeNode[] {
    return this.#stack.map((x) => ({ ...x }));
  }
}

/**
 * Completes the global tree from disjoint subtrees that together cover every
 * chunk.
 *
 * @param r The reducer.
 * @param nodes Subtrees (consumed).
 * @param n Number of chunks.
 * @returns The root state.
 */
export function completeTree(r: Reducer, nodes: readonly TreeNode[], n: number): ReduceState {
  if (n === 0) return r.init();
  const have = new Map<string, ReduceState>();
  for (const x of nodes) have.set(`${x.level}:${x.index}`, x.state);
  const get = (k: number, j: number): ReduceState => {
    const s = have.get(`${k}:${j}`);
    if (s !== undefined) return s;
    if (k === 0) throw new RangeError(`Missing the state of chunk ${j} of ${n}`);
    const left = get(k - 1, 2 * j);
    return hasRight(k, j, n) ? r.merge(left, get(k - 1, 2 * j + 1)) : left;
  };
  return get(treeDepth(n), 0);
}

function toBytes(state: ReduceState): Uint8Array[] {
  return stateBuffers(state).map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * Combines reduction states over all ranks in the fixed tree keyed on the
 * global chunk index: every rank passes the states of the chunks it owns (a
 * `Map` from chunk index to state, or the nodes of a {@link TreeMerger}),
 * and every rank gets the same root state, with the same bits for any rank
 * count. Collective.
 *
 * @param comm The communicator (every rank calls, in the same order).
 * @param r The reducer.
 * @param local This rank's chunk states, or its merged subtrees.
 * @param n Number of chunks in total.
 * @returns The state of the whole array.
 */
export function treeReduce(
  comm: Comm,
  r: Reducer,
  local: ReadonlyMap<number, ReduceState> | readonly TreeNode[],
  n: number,
): ReduceState {
  let nodes: TreeNode[];
  if (Array.isArray(local)) nodes = [...local as readonly TreeNode[]];
  else {
    const m = new TreeMerger(r, n);
    const keys = [...(local as ReadonlyMap<number, ReduceState>).keys()].sort((a, b) => a - b);
    for (const k of keys) m.push(k, (local as ReadonlyMap<number, ReduceState>).get(k)!);
    nodes = m.nodes();
  }
  if (comm.size === 1) return completeTree(r, nodes, n);
  const parts = nodes.map((x) => toBytes(x.state));
  const header = nodes.map((x, i) => [x.level, x.index, ...parts[i].map((p) => p.length)]);
  const total = parts.flat().reduce((a, p) => a + p.length, 0);
  const send = new Uint8Array(total);
  let at = 0;
  for (const p of parts.flat()) {
    send.set(p, at);
    at += p.length;
  }
  const headers = comm.allgatherJson(header);
  const counts = headers.map((h) =>
    h.reduce((a, x) => a + x.slice(2).reduce((s, v) => s + v, 0), 0)
  );
  const recv = comm.allgatherv(send, { counts });
  const all: TreeNode[] = [];
  let pos = 0;
  for (const h of headers) {
    for (const [level, index, ...lens] of h) {
      const bufs: ArrayBuffer[] = [];
      for (const len of lens) {
        bufs.push(recv.slice(pos, pos + len).buffer as ArrayBuffer);
        pos += len;
      }
      all.push({ level, index, state: stateFromBuffers(r, bufs) });
    }
  }
  return completeTree(r, all, n);
}

/** The typed arrays of a state as bytes (for comparing bits). */
export function stateBytes(state: ReduceState): Uint8Array {
  const bufs: StateArray[] = stateBuffers(state);
  const n = bufs.reduce((a, b) => a + b.byteLength, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const b of bufs) {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), at);
    at += b.byteLength;
  }
  return out;
}
