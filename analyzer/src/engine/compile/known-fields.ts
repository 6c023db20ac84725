//! Every field path a signature may read: the SIP event (schema/src/sip-event.ts) and the analyzer's
//! enrichment (`txn` `dialog` `site` `num`). A condition on a path nothing produces would silently
//! never match, so loading rejects it. The maps are typed against the interfaces they describe:
//! a field added to one of them does not compile until it is listed here too.
import type {
  HepFields,
  SdpMedia,
  SipAddressPart,
  SipAuth,
  SipContact,
  SipEvent,
  SipFields,
  SipIdentity,
  SipIdentityUri,
  SipSdp,
  SipStirIdentity,
  SipVia,
} from '../../../../schema/src/sip-event';
import type { NumberFacts, NumberInfo } from '../../calls/numbers';
import type { SiteInfo } from '../../site/site-knowledge';
import type { DialogInfo } from '../../state/dialog-table';
import type { TxnInfo } from '../../state/transaction-table';

/** A leaf (`true`), a map of known keys, or a list whose elements have a shape. */
type Shape = true | { readonly [key: string]: Shape } | { readonly list: Shape };
type ShapeOf<T> = { readonly [K in keyof Required<T>]: Shape };

const leaf = true as const;
const list = (element: Shape): Shape => ({ list: element });
const leaves = <T>(keys: ReadonlyArray<keyof T & string>): ShapeOf<T> =>
  Object.fromEntries(keys.map((k) => [k, leaf])) as ShapeOf<T>;

const ADDRESS: ShapeOf<SipAddressPart> = leaves<SipAddressPart>(['user', 'host', 'display_name', 'tag', 'scheme']);
const VIA: ShapeOf<SipVia> = leaves<SipVia>(['transport', 'host', 'port', 'branch', 'received', 'rport']);
const CONTACT: ShapeOf<SipContact> = leaves<SipContact>(['user', 'host', 'port', 'expires', 'wildcard']);
const AUTH: ShapeOf<SipAuth> = leaves<SipAuth>(['scheme', 'username', 'realm', 'uri', 'header']);
const ID_URI: ShapeOf<SipIdentityUri> = leaves<SipIdentityUri>(['display_name', 'user', 'host', 'scheme']);
const STIR: ShapeOf<SipStirIdentity> = leaves<SipStirIdentity>(['valid', 'attest', 'orig_tn', 'dest_tn', 'ppt']);
const IDENTITY: ShapeOf<SipIdentity> = {
  pai: list(ID_URI),
  ppi: ID_URI,
  privacy: leaf,
  diversion: list(ID_URI),
  history_info_count: leaf,
  stir: STIR,
};
const MEDIA: ShapeOf<SdpMedia> = leaves<SdpMedia>(['type', 'port', 'proto', 'codecs', 'connection_ip']);
const SDP: ShapeOf<SipSdp> = {
  connection_ip: leaf,
  origin_ip: leaf,
  media: list(MEDIA),
  has_crypto: leaf,
  has_fingerprint: leaf,
};
const SIP: ShapeOf<SipFields> = {
  ...leaves<SipFields>([
    'type',
    'method',
    'status_code',
    'reason_phrase',
    'request_uri',
    'request_uri_user',
    'request_uri_host',
    'request_uri_scheme',
    'call_id',
    'user_agent',
    'server',
    'max_forwards',
    'expires',
    'content_type',
    'content_length',
    'body_length',
    'size',
    'anomalies',
    'headers',
    'route',
    'record_route',
    'refer_to',
    'p_headers',
  ]),
  cseq: { seq: leaf, method: leaf },
  from: ADDRESS,
  to: ADDRESS,
  via: list(VIA),
  contact: list(CONTACT),
  auth: AUTH,
  identity: IDENTITY,
  sdp: SDP,
};
const EVENT: ShapeOf<SipEvent> = {
  '@timestamp': leaf,
  event: { id: leaf, kind: leaf, dataset: leaf, original_size: leaf },
  observer: { id: leaf, ingress: { interface: { name: leaf } } },
  source: { ip: leaf, port: leaf },
  destination: { ip: leaf, port: leaf },
  network: { transport: leaf, protocol: leaf, vlan: list({ id: leaf }), tunnel: leaf },
  sip: SIP,
  hep: leaves<HepFields>(['node_id', 'node_name', 'correlation_id']),
};
const NUMBER: ShapeOf<NumberFacts> = leaves<NumberFacts>([
  'e164',
  'country',
  'type',
  'valid',
  'international',
  'high_risk',
  'high_risk_prefix',
  'own_range',
  'extension',
]);
const NUM: ShapeOf<NumberInfo> = { callee: NUMBER, caller: NUMBER, target: NUMBER };
const TXN: ShapeOf<TxnInfo> = leaves<TxnInfo>([
  'retransmission',
  'request_method',
  'request_has_auth',
  'request_auth_username',
  'request_source_ip',
  'request_user_agent',
]);
const DIALOG: ShapeOf<DialogInfo> = leaves<DialogInfo>([
  'known',
  'initial',
  'state',
  'event',
  'answered',
  'duration_s',
  'ring_s',
  'caller_ip',
  'callee_ip',
  'caller_user',
  'callee_user',
  'account',
  'from_party',
  'media_changed',
  'media_prev_ip',
  'age_s',
]);
const SITE: ShapeOf<SiteInfo> = leaves<SiteInfo>([
  'configured',
  'source_zone',
  'destination_zone',
  'source_peer',
  'source_may_assert_identity',
  'source_may_divert',
  'direction',
  'crosses_border',
  'business_hours',
  'account_group',
  'interconnect',
  'unexpected_peer',
  'claimed_peer',
  'peer_mismatch',
]);

const ROOT: Shape = { ...EVENT, txn: TXN, dialog: DIALOG, site: SITE, num: NUM };

function isList(shape: Shape): shape is { readonly list: Shape } {
  return typeof shape === 'object' && 'list' in shape && Object.keys(shape).length === 1;
}

/**
 * Undefined when `path` names something the collector or the analyzer produces, else the problem.
 * A list accepts an index (`sip.via.0.host`) or reads through to its elements (`sip.via.host`).
 */
export function unknownFieldProblem(path: string): string | undefined {
  let shape: Shape = ROOT;
  const segs = path.split('.');
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as string;
    if (isList(shape)) {
      shape = shape.list;
      if (/^\d+$/.test(seg)) continue;
    }
    if (shape === true) return `${path}: ${segs.slice(0, i).join('.')} has no fields (nothing produces ${path})`;
    const next: Shape | undefined = Object.hasOwn(shape, seg) ? (shape as Record<string, Shape>)[seg] : undefined;
    if (next === undefined) {
      const known = Object.keys(shape).sort().join(', ');
      const at = segs.slice(0, i).join('.') || '(root)';
      return `no field "${seg}" under ${at}: nothing produces ${path} (known: ${known})`;
    }
    shape = next;
  }
  return undefined;
}
