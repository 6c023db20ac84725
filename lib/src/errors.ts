//! Typed errors at the I/O edges: a stable `code` for scripts and a `retriable` flag for retry loops.

export type SipwardErrorCode =
  | 'SIPWARD_USAGE'
  | 'SIPWARD_INPUT_NOT_FOUND'
  | 'SIPWARD_INPUT_UNREADABLE'
  | 'SIPWARD_OUTPUT_UNWRITABLE'
  | 'SIPWARD_NOT_A_CAPTURE'
  | 'SIPWARD_CAPTURE_UNAVAILABLE'
  | 'SIPWARD_BROKER_UNAVAILABLE'
  | 'SIPWARD_INDEX_UNAVAILABLE'
  | 'SIPWARD_KIBANA_UNAVAILABLE'
  | 'SIPWARD_CONFIG_INVALID'
  | 'SIPWARD_RULES_INVALID';

export class SipwardError extends Error {
  readonly code: SipwardErrorCode;
  readonly retriable: boolean;

  constructor(code: SipwardErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SipwardError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

export function isSipwardError(error: unknown): error is SipwardError {
  return error instanceof SipwardError;
}
