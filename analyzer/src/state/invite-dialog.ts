//! The INVITE dialog state machine (RFC 3261 §13, §15, §22.2): its phases, what moves it from one
//! to the next, and how long each phase may stay silent. One definition for its two views:
//! - the dialog table (`dialog-table.ts`, the `dialog.*` enrichment): keyed by Call-ID, so a forged
//!   BYE with made-up tags still finds its dialog; only a party's BYE or CANCEL moves it;
//! - the call tracker (`calls/call-tracker.ts`, call records): keyed by Call-ID + the caller's From
//!   tag, holds an ended call for a linger before writing its record; a CANCEL ends the call only
//!   through the 487 (or a crossing 200) that follows it.
//! Each view decides which messages count (its guards); the phase a counted message leads to is
//! decided here.

import type { SipFields } from '../../../schema/src/sip-event';

/**
 * `challenged`: a 401/407 answered the initial INVITE; not an end, since the caller usually sends
 * the INVITE again with credentials (`retry`), which continues the same call.
 */
export type InvitePhase = 'early' | 'challenged' | 'confirmed' | 'terminated';

/** What a counted message does to the dialog. */
export type InviteStep = 'answer' | 'challenge' | 'failure' | 'bye' | 'cancel' | 'retry';

const TRANSITIONS: Readonly<Record<InvitePhase, Readonly<Partial<Record<InviteStep, InvitePhase>>>>> = {
  early: {
    answer: 'confirmed',
    challenge: 'challenged',
    failure: 'terminated',
    bye: 'terminated',
    cancel: 'terminated',
  },
  challenged: {
    answer: 'confirmed',
    challenge: 'challenged',
    failure: 'terminated',
    bye: 'terminated',
    cancel: 'terminated',
    retry: 'early',
  },
  // Resent or late finals, forks answering after the first and a CANCEL that lost the race change nothing.
  confirmed: { bye: 'terminated' },
  terminated: {},
};

/**
 * An INVITE outside any dialog (no To tag, RFC 3261 §12.1): it starts a call, or is another leg or
 * a resend of the one that did. With a To tag it is a re-INVITE within the dialog.
 */
export function isInitialInvite(sip: SipFields): boolean {
  return sip.type === 'request' && sip.method === 'INVITE' && sip.to?.tag === undefined;
}

/** The phase `step` leads to from `phase`, or undefined when the step does nothing there. */
export function nextPhase(phase: InvitePhase, step: InviteStep | undefined): InvitePhase | undefined {
  return step === undefined ? undefined : TRANSITIONS[phase][step];
}

/** What a response to the initial INVITE does: undefined for a provisional (or missing) status. */
export function responseStep(status: number | undefined): InviteStep | undefined {
  if (status === undefined || status < 200) return undefined;
  if (status < 300) return 'answer';
  if (status === 401 || status === 407) return 'challenge';
  return 'failure';
}

/** The `dialog.state` a phase shows: a challenged dialog is still early (no final answer yet). */
export function dialogState(phase: InvitePhase): 'early' | 'confirmed' | 'terminated' {
  return phase === 'challenged' ? 'early' : phase;
}

/**
 * The INVITE answering a challenge carries a higher CSeq than the challenged one (RFC 3261 §22.2);
 * an equal one is a retransmission.
 */
export function isRetryCSeq(challengedSeq: number | undefined, seq: number | undefined): boolean {
  return seq !== undefined && (challengedSeq === undefined || seq > challengedSeq);
}

/** Dialogs (or calls) held at once by default. */
export const DEFAULT_MAX_DIALOGS = 100_000;
/** No final answer for this long (Timer C is "more than 3 minutes"): unanswered, gone. */
export const UNANSWERED_TTL_MS = 180_000;
/** Answered and silent for this long with no BYE seen: expired. */
export const ANSWERED_TTL_MS = 4 * 3600_000;
/** SIP Timer B/F (64·T1): the BYE's 200 and any resend arrive within it. */
export const TERMINATED_LINGER_MS = 32_000;
