// The actor host's own lifecycle, apart from its machine's: starting (connecting, creating the
// kind, registering), running, draining (two-phase shutdown under way), stopped (exit code
// known). One named phase with checked moves instead of flags, so "drain once" and "the
// lifeline before the actor is up" are each one comparison.
export type HostPhase = 'starting' | 'running' | 'draining' | 'stopped';

const MOVES: Record<HostPhase, readonly HostPhase[]> = {
  // A machine error or a signal can start the drain before the host is up.
  starting: ['running', 'draining'],
  running: ['draining'],
  draining: ['stopped'],
  stopped: [],
};

export class HostState {
  #phase: HostPhase = 'starting';

  get phase(): HostPhase {
    return this.#phase;
  }

  /** Moves to `next` when that move is allowed from here; false, and no change, otherwise. */
  advance(next: HostPhase): boolean {
    if (!MOVES[this.#phase].includes(next)) return false;
    this.#phase = next;
    return true;
  }
}
