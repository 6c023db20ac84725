//! The SIP methods sipward knows by name: a request with any other method is recorded with the
//! `unknown_method` anomaly, and metrics count it as "other". One list for the parser, the stream
//! framer and the metrics, so they never disagree about what is a known method.

/** Methods of RFC 3261 and its extensions (3262 3265/6665 3311 3428 3515 3903 6086). Case-sensitive (§7.1). */
export const SIP_METHODS: readonly string[] = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
];
