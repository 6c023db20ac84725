//! The header reader: each header field of a message goes to the reader of its family (by `H.*`
//! id), which fills the SIP event fields and notes anomalies in the shared HeaderContext.

import { H } from '../header-names';
import { contentLength, contentType } from './body';
import type { HeaderContext, SipHeader } from './context';
import { callId, cseq, fromOrTo } from './dialog';
import {
  authorization,
  historyInfo,
  identityList,
  otherHeader,
  preferredIdentity,
  privacy,
  stirIdentity,
} from './identity';
import { date, expires, software } from './info';
import { contact, maxForwards, referTo, routeSet, via } from './routing';

type HeaderReader = (ctx: HeaderContext, h: SipHeader) => void;

/** Reader per header id; ids without one (Allow, Supported ...) are not read. */
const READERS: Array<HeaderReader | undefined> = [];
READERS[H.OTHER] = otherHeader;
READERS[H.VIA] = via;
READERS[H.FROM] = fromOrTo;
READERS[H.TO] = fromOrTo;
READERS[H.CALL_ID] = callId;
READERS[H.CSEQ] = cseq;
READERS[H.CONTACT] = contact;
READERS[H.MAX_FORWARDS] = maxForwards;
READERS[H.EXPIRES] = expires;
READERS[H.CONTENT_LENGTH] = contentLength;
READERS[H.CONTENT_TYPE] = contentType;
READERS[H.AUTHORIZATION] = authorization;
READERS[H.PROXY_AUTHORIZATION] = authorization;
READERS[H.P_ASSERTED_IDENTITY] = identityList;
READERS[H.DIVERSION] = identityList;
READERS[H.P_PREFERRED_IDENTITY] = preferredIdentity;
READERS[H.IDENTITY] = stirIdentity;
READERS[H.PRIVACY] = privacy;
READERS[H.HISTORY_INFO] = historyInfo;
READERS[H.ROUTE] = routeSet;
READERS[H.RECORD_ROUTE] = routeSet;
READERS[H.REFER_TO] = referTo;
READERS[H.USER_AGENT] = software;
READERS[H.SERVER] = software;
READERS[H.DATE] = date;

/** Reads every header of the message in order into ctx.sip (and ctx's counts and anomalies). */
export function readHeaders(ctx: HeaderContext, headers: readonly SipHeader[]): void {
  for (const h of headers) READERS[h.id]?.(ctx, h);
  const sip = ctx.sip;
  if (sip.identity !== undefined && Object.keys(sip.identity).length === 0) delete sip.identity;
}
