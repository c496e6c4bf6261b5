// Invite states and the transitions between them, as the web shows them live.
export type InviteState =
  | 'queued' | 'calling' | 'ringing' | 'answered'
  | 'no_answer' | 'busy' | 'rejected' | 'cancelled' | 'failed' | 'ended';

export const INVITE_STATES: readonly InviteState[] =
  ['queued', 'calling', 'ringing', 'answered', 'no_answer', 'busy', 'rejected', 'cancelled', 'failed', 'ended'];

/** States after which "redial" makes sense. */
export const FAILED_STATES: ReadonlySet<InviteState> = new Set(['no_answer', 'busy', 'rejected', 'cancelled', 'failed']);

const NEXT: Readonly<Record<InviteState, readonly InviteState[]>> = {
  queued: ['calling', 'cancelled', 'failed'],
  calling: ['ringing', 'answered', 'no_answer', 'busy', 'rejected', 'cancelled', 'failed'],
  ringing: ['answered', 'no_answer', 'busy', 'rejected', 'cancelled', 'failed'],
  answered: ['ended'],
  no_answer: ['queued'],
  busy: ['queued'],
  rejected: ['queued'],
  cancelled: ['queued'],
  failed: ['queued'],
  ended: ['queued'],
};

export function canTransition(from: InviteState, to: InviteState): boolean {
  return NEXT[from].includes(to);
}

/** The final state of an unanswered attempt from its Q.850 cause. */
export function inviteStateForCause(q850: number): InviteState {
  switch (q850) {
    case 17: return 'busy'; // user busy
    case 21: return 'rejected'; // call rejected
    case 18: case 19: return 'no_answer'; // no user responding / no answer
    case 16: case 31: return 'no_answer'; // cleared normally before answer
    case 487: return 'cancelled';
    default: return 'failed';
  }
}
