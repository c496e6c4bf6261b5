// Invite states and the transitions between them, as the web shows them live.
//
//   queued → calling → ringing → answered → joined → ended
//                    ↘ busy / rejected / no_answer / failed / cancelled
//   answered → no_answer (the callee did not press 1), rejected (hung up while asked), failed (the room was full), cancelled, ended
//   queued → refused (balance), cancelled, failed (a target that cannot be dialled)
// Every final state (and `ended`) may go back to `queued` (redial).
export type InviteState =
  | 'queued' | 'calling' | 'ringing' | 'answered' | 'joined'
  | 'no_answer' | 'busy' | 'rejected' | 'cancelled' | 'failed' | 'refused' | 'ended';

export const INVITE_STATES: readonly InviteState[] =
  ['queued', 'calling', 'ringing', 'answered', 'joined', 'no_answer', 'busy', 'rejected', 'cancelled', 'failed', 'refused', 'ended'];

/** States after which "redial" makes sense. */
export const FAILED_STATES: ReadonlySet<InviteState> = new Set(['no_answer', 'busy', 'rejected', 'cancelled', 'failed', 'refused']);

/** States of an invite still on its way (cancel makes sense). */
export const ACTIVE_STATES: ReadonlySet<InviteState> = new Set(['queued', 'calling', 'ringing', 'answered']);

const NEXT: Readonly<Record<InviteState, readonly InviteState[]>> = {
  queued: ['calling', 'cancelled', 'failed', 'refused'],
  calling: ['ringing', 'answered', 'no_answer', 'busy', 'rejected', 'cancelled', 'failed'],
  ringing: ['answered', 'no_answer', 'busy', 'rejected', 'cancelled', 'failed'],
  answered: ['joined', 'no_answer', 'rejected', 'cancelled', 'failed', 'ended'],
  joined: ['ended'],
  no_answer: ['queued'],
  busy: ['queued'],
  rejected: ['queued'],
  cancelled: ['queued'],
  failed: ['queued'],
  refused: ['queued'],
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
