//! Callee number normalisation for call records: dialled string → E.164 digits, country and number
//! type. Uses libphonenumber-js (`/max` metadata, needed for getType) when it is installed; without
//! it a built-in fallback reads the country calling code from a small table, so call records still
//! carry e164 and country. Only numbers dialled in international form (+, 00, 011, tel:+) are
//! classified: a national number's country depends on the caller's home network, which the tracker
//! does not know, and guessing would mislabel fraud destinations.

export interface NumberInfo {
  /** E.164 digits without '+'. */
  e164?: string;
  country?: string;
  number_type?: string;
}

export interface NumberClassifier {
  /** Which implementation answers: shown in tests and logs. */
  readonly name: 'libphonenumber-js' | 'builtin';
  classify(dialled: string): NumberInfo;
}

/** The part of libphonenumber-js/max this module calls. */
interface PhoneNumberLike {
  country?: string;
  countryCallingCode: string;
  getType(): string | undefined;
}
interface LibPhonenumber {
  parsePhoneNumberFromString(text: string): PhoneNumberLike | undefined;
}

/**
 * Non-geographic calling codes (ITU-T E.164 "global services") and their number type. They belong
 * to no country, so a record carries no `country` for them (libphonenumber's region '001' is not
 * one): 870 (Inmarsat) and 881 (GMSS: Iridium, Thuraya ...) are satellite, 882/883 international
 * networks, 979 international premium rate — the classic IRSF destinations, typed with or without
 * libphonenumber, whose own types (MOBILE, VOIP) would hide what a fraud team looks for.
 */
const NON_GEO_TYPES: Readonly<Record<string, string>> = {
  '800': 'TOLL_FREE',
  '808': 'SHARED_COST',
  '870': 'SATELLITE',
  '878': 'VOIP',
  '881': 'SATELLITE',
  '882': 'INTERNATIONAL_NETWORK',
  '883': 'INTERNATIONAL_NETWORK',
  '888': 'UAN',
  '979': 'PREMIUM_RATE',
};

/**
 * Calling code → country for codes that map to one country (enough for the fallback to label the
 * usual destinations). NANP (+1) and shared codes are absent on purpose: the country needs the
 * area code, and a wrong country is worse than none for a fraud team.
 */
const COUNTRY_BY_CODE: Readonly<Record<string, string>> = {
  '20': 'EG',
  '27': 'ZA',
  '30': 'GR',
  '31': 'NL',
  '32': 'BE',
  '33': 'FR',
  '34': 'ES',
  '36': 'HU',
  '39': 'IT',
  '40': 'RO',
  '41': 'CH',
  '43': 'AT',
  '44': 'GB',
  '45': 'DK',
  '46': 'SE',
  '47': 'NO',
  '48': 'PL',
  '49': 'DE',
  '51': 'PE',
  '52': 'MX',
  '53': 'CU',
  '54': 'AR',
  '55': 'BR',
  '56': 'CL',
  '57': 'CO',
  '58': 'VE',
  '60': 'MY',
  '61': 'AU',
  '62': 'ID',
  '63': 'PH',
  '64': 'NZ',
  '65': 'SG',
  '66': 'TH',
  '81': 'JP',
  '82': 'KR',
  '84': 'VN',
  '86': 'CN',
  '90': 'TR',
  '91': 'IN',
  '92': 'PK',
  '93': 'AF',
  '94': 'LK',
  '95': 'MM',
  '98': 'IR',
  '212': 'MA',
  '213': 'DZ',
  '216': 'TN',
  '218': 'LY',
  '220': 'GM',
  '221': 'SN',
  '222': 'MR',
  '223': 'ML',
  '224': 'GN',
  '225': 'CI',
  '226': 'BF',
  '227': 'NE',
  '228': 'TG',
  '229': 'BJ',
  '230': 'MU',
  '231': 'LR',
  '232': 'SL',
  '233': 'GH',
  '234': 'NG',
  '235': 'TD',
  '236': 'CF',
  '237': 'CM',
  '238': 'CV',
  '239': 'ST',
  '240': 'GQ',
  '241': 'GA',
  '242': 'CG',
  '243': 'CD',
  '244': 'AO',
  '245': 'GW',
  '248': 'SC',
  '249': 'SD',
  '250': 'RW',
  '251': 'ET',
  '252': 'SO',
  '253': 'DJ',
  '254': 'KE',
  '255': 'TZ',
  '256': 'UG',
  '257': 'BI',
  '258': 'MZ',
  '260': 'ZM',
  '261': 'MG',
  '263': 'ZW',
  '264': 'NA',
  '265': 'MW',
  '266': 'LS',
  '267': 'BW',
  '268': 'SZ',
  '269': 'KM',
  '350': 'GI',
  '351': 'PT',
  '352': 'LU',
  '353': 'IE',
  '354': 'IS',
  '355': 'AL',
  '356': 'MT',
  '357': 'CY',
  '358': 'FI',
  '359': 'BG',
  '370': 'LT',
  '371': 'LV',
  '372': 'EE',
  '373': 'MD',
  '374': 'AM',
  '375': 'BY',
  '376': 'AD',
  '377': 'MC',
  '378': 'SM',
  '380': 'UA',
  '381': 'RS',
  '382': 'ME',
  '383': 'XK',
  '385': 'HR',
  '386': 'SI',
  '387': 'BA',
  '389': 'MK',
  '420': 'CZ',
  '421': 'SK',
  '423': 'LI',
  '501': 'BZ',
  '502': 'GT',
  '503': 'SV',
  '504': 'HN',
  '505': 'NI',
  '506': 'CR',
  '507': 'PA',
  '509': 'HT',
  '591': 'BO',
  '592': 'GY',
  '593': 'EC',
  '595': 'PY',
  '597': 'SR',
  '598': 'UY',
  '670': 'TL',
  '673': 'BN',
  '674': 'NR',
  '675': 'PG',
  '676': 'TO',
  '677': 'SB',
  '678': 'VU',
  '679': 'FJ',
  '685': 'WS',
  '686': 'KI',
  '688': 'TV',
  '691': 'FM',
  '692': 'MH',
  '850': 'KP',
  '852': 'HK',
  '853': 'MO',
  '855': 'KH',
  '856': 'LA',
  '880': 'BD',
  '886': 'TW',
  '960': 'MV',
  '961': 'LB',
  '962': 'JO',
  '963': 'SY',
  '964': 'IQ',
  '965': 'KW',
  '966': 'SA',
  '967': 'YE',
  '968': 'OM',
  '970': 'PS',
  '971': 'AE',
  '972': 'IL',
  '973': 'BH',
  '974': 'QA',
  '975': 'BT',
  '976': 'MN',
  '977': 'NP',
  '992': 'TJ',
  '993': 'TM',
  '994': 'AZ',
  '995': 'GE',
  '996': 'KG',
  '998': 'UZ',
};

/**
 * Dialled string → E.164 digits when it is written in international form, else undefined.
 * Accepts a bare user part or a tel:/sip: URI; drops URI parameters (`;phone-context=`, `;npdi`),
 * percent-encoding (%2B) and visual separators (space - . ( ) as RFC 3966 allows).
 */
export function toE164Digits(dialled: string): string | undefined {
  let s = dialled.trim();
  const scheme = /^(tel|sips?):/i.exec(s);
  if (scheme !== null) s = s.slice(scheme[0].length);
  const at = s.indexOf('@');
  if (at >= 0) s = s.slice(0, at);
  const semi = s.indexOf(';');
  if (semi >= 0) s = s.slice(0, semi);
  if (s.includes('%')) {
    try {
      s = decodeURIComponent(s);
    } catch {
      return undefined;
    }
  }
  s = s.replace(/[\s\-.()]/g, '');
  let digits: string;
  if (s.startsWith('+')) digits = s.slice(1);
  else if (s.startsWith('00')) digits = s.slice(2);
  // NANP's international prefix; "011…" national numbers elsewhere are rare enough to accept.
  else if (s.startsWith('011')) digits = s.slice(3);
  else return undefined;
  // E.164: at most 15 digits; the shortest real numbers (e.g. +290 xxxx) have 7.
  if (!/^[1-9][0-9]{6,14}$/.test(digits)) return undefined;
  return digits;
}

function callingCodeOf(digits: string): string | undefined {
  if (digits.startsWith('1')) return '1';
  if (digits.startsWith('7')) return '7';
  for (const len of [3, 2]) {
    const code = digits.slice(0, len);
    if (NON_GEO_TYPES[code] !== undefined || COUNTRY_BY_CODE[code] !== undefined) return code;
  }
  return undefined;
}

/** Table-only classification: country from the calling code, a type only for global services. */
export const builtinClassifier: NumberClassifier = {
  name: 'builtin',
  classify(dialled: string): NumberInfo {
    const e164 = toE164Digits(dialled);
    if (e164 === undefined) return {};
    const code = callingCodeOf(e164);
    if (code === undefined) return { e164 };
    const nonGeoType = NON_GEO_TYPES[code];
    if (nonGeoType !== undefined) return { e164, number_type: nonGeoType };
    // +7: Kazakhstan uses 76x/77x, the rest is Russia.
    if (code === '7') return { e164, country: /^7[67]/.test(e164) ? 'KZ' : 'RU' };
    const country = COUNTRY_BY_CODE[code];
    return country === undefined ? { e164 } : { e164, country };
  },
};

function libphonenumberClassifier(lib: LibPhonenumber): NumberClassifier {
  return {
    name: 'libphonenumber-js',
    classify(dialled: string): NumberInfo {
      const e164 = toE164Digits(dialled);
      if (e164 === undefined) return {};
      let parsed: PhoneNumberLike | undefined;
      try {
        parsed = lib.parsePhoneNumberFromString(`+${e164}`);
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined) return builtinClassifier.classify(dialled);
      const nonGeoType = NON_GEO_TYPES[parsed.countryCallingCode];
      if (nonGeoType !== undefined) return { e164, number_type: nonGeoType };
      const info: NumberInfo = { e164 };
      if (parsed.country !== undefined) info.country = parsed.country;
      const type = parsed.getType();
      if (type !== undefined) info.number_type = type;
      return info;
    },
  };
}

let cached: NumberClassifier | undefined;

/** libphonenumber-js/max when installed (an optional dependency), else the built-in table. */
export function defaultClassifier(): NumberClassifier {
  if (cached !== undefined) return cached;
  try {
    // A plain require so the package stays optional: a missing module lands in the catch.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require('libphonenumber-js/max') as LibPhonenumber;
    cached = typeof lib.parsePhoneNumberFromString === 'function' ? libphonenumberClassifier(lib) : builtinClassifier;
  } catch {
    cached = builtinClassifier;
  }
  return cached;
}
