/**
 * Seed data for the KRR simulator (reference §2): Digdir's public synthetic KRR test users, the example person of the
 * oppslagstjeneste seed document, and generators for benchmarks. The DTOs are the upstream `/rest/v{1,2}/personer`
 * shape, snake_case exactly as KRR answers.
 *
 * "Fresh" timestamps are computed relative to the time this module is loaded, so fresh contact points stay fresh
 * (and the 18-month rule keeps meaning the same thing) in years to come. Stale ones are fixed dates in the past.
 */

export type KrrJaNei = 'JA' | 'NEI';
export type KrrPersonStatus = 'AKTIV' | 'SLETTET' | 'IKKE_REGISTRERT';
export type KrrVarslingsstatus = 'KAN_VARSLES' | 'KAN_IKKE_VARSLES';

/** `kontaktinformasjon`: e-mail and mobile, each with the timestamps KRR keeps for the 18-month rule. */
export interface KrrKontaktinformasjon {
  epostadresse?: string;
  epostadresse_oppdatert?: string;
  epostadresse_sist_verifisert?: string;
  epostadresse_sist_validert?: string;
  epostadresse_duplisert?: KrrJaNei;
  mobiltelefonnummer?: string;
  mobiltelefonnummer_oppdatert?: string;
  mobiltelefonnummer_sist_verifisert?: string;
  mobiltelefonnummer_sist_validert?: string;
  mobiltelefonnummer_duplisert?: KrrJaNei;
}

/** `digital_post`: the person's digital mailbox address and the provider's organisation number. */
export interface KrrDigitalPost {
  postkasseadresse: string;
  postkasseleverandoeradresse: string;
}

/** One entry of `{"personer": [...]}`. */
export interface KrrPerson {
  personidentifikator: string;
  /** Always present for registered persons; absent for `IKKE_REGISTRERT`. */
  reservasjon?: KrrJaNei;
  reservasjonstidspunkt?: string;
  reservasjon_oppdatert?: string;
  status: KrrPersonStatus;
  /** Computed by the simulator at answer time; a value in the seed is ignored. */
  varslingsstatus?: KrrVarslingsstatus;
  spraak?: string;
  spraak_oppdatert?: string;
  kontaktinformasjon?: KrrKontaktinformasjon;
  digital_post?: KrrDigitalPost;
  /** Base64 DER X.509 certificate of the mailbox provider (for encrypting digital post). */
  sertifikat?: string;
}

/** Mailbox providers (valid organisation numbers). */
export const DIGIPOST_ORGNO = '984661185';
export const EBOKS_ORGNO = '922020175';

/** The three timestamp shapes KRR is seen answering with (reference §2). */
export type KrrTimestampStyle =
  | 'offset-millis' // 2010-12-16T13:32:05.000+01:00
  | 'offset-hours' // 2023-06-29T10:14:52+02
  | 'utc'; // 2023-08-05T10:45:15.768Z

const DAY_MS = 24 * 60 * 60 * 1000;

/** The time this module was loaded: the anchor of every "fresh" seed timestamp. */
export const KRR_SEED_LOADED_AT = Date.now();

/** Last Sunday of a month (0-based) at 01:00 UTC: when EU summer time starts (March) and ends (October). */
function lastSundayAt0100Utc(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0, 1));
  return lastDay.getTime() - lastDay.getUTCDay() * DAY_MS;
}

/** Europe/Oslo's UTC offset in minutes at `ms` (CET +60, CEST +120). */
function osloOffsetMinutes(ms: number): number {
  const year = new Date(ms).getUTCFullYear();
  return ms >= lastSundayAt0100Utc(year, 2) && ms < lastSundayAt0100Utc(year, 9) ? 120 : 60;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Formats an instant the way KRR does, in Norwegian local time for the offset styles. */
export function formatKrrTimestamp(ms: number, style: KrrTimestampStyle): string {
  if (style === 'utc') return new Date(ms).toISOString();
  const offset = osloOffsetMinutes(ms);
  const local = new Date(ms + offset * 60_000);
  const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const hours = `+${pad(offset / 60)}`;
  return style === 'offset-hours'
    ? `${date}T${time}${hours}`
    : `${date}T${time}.${pad(local.getUTCMilliseconds(), 3)}${hours}:00`;
}

/** Fixed timestamps in the past, older than 18 months from any "now" after 2025-02: they keep stale points stale. */
const OLD_MILLIS = '2010-12-16T13:32:05.000+01:00';
const OLD_HOURS = '2023-06-29T10:14:52+02';
const OLD_UTC = '2023-08-05T10:45:15.768Z';

/** Mailbox provider encryption certificates (self-signed sandbox certificates, base64 DER). */
const DIGIPOST_CERTIFICATE = [
  'MIIDozCCAougAwIBAgIUYEHVhFT8/cLO4I3BeY7b2h6gZ1IwDQYJKoZIhvcNAQELBQAwYTELMAkGA1UEBhMCTk8xGDAWBgNVBAoM',
  'D1BPU1RFTiBOT1JHRSBBUzESMBAGA1UEBRMJOTg0NjYxMTg1MSQwIgYDVQQDDBtEaWdpcG9zdCBzYW5kYm94IGVuY3J5cHRpb24w',
  'HhcNMjYxMTIxMjAwMDI0WhcNMzYxMTE4MjAwMDI0WjBhMQswCQYDVQQGEwJOTzEYMBYGA1UECgwPUE9TVEVOIE5PUkdFIEFTMRIw',
  'EAYDVQQFEwk5ODQ2NjExODUxJDAiBgNVBAMMG0RpZ2lwb3N0IHNhbmRib3ggZW5jcnlwdGlvbjCCASIwDQYJKoZIhvcNAQEBBQAD',
  'ggEPADCCAQoCggEBAMfzjE96m6Xuu5TRRVN804b/TmvdPV/YJoVS9pWCCtmsB/JeUoTEsb1G4TLQyyW96PeJKpArrngfCu69y7/C',
  'jevIRY+ZDWcid6aoVF/lnQoVUY0UuDWtmoM5lR5Eew8HavookuGd9y3BI84L2PyWFWq+wFoa7W2zanbT9+q59HQff3W3XlSmVZbd',
  'KH3Vsp5Q8fC5qRqYw5KLCq6dNquEJgIfaAjnoVJUsAOmaT++eeKy5Er57y5JPXbinfl+Lm8JC9ULay1Nq/NwMysRR7+YzJa+9Sh9',
  'j+nkfPQTX/4nm/qPGU1y70sgksujXR9f9midUzCYp7Lpzav+f/LXAxq+ySkCAwEAAaNTMFEwHQYDVR0OBBYEFCV2mP55N9q1EU1Z',
  'IvOgy/LL3kTJMB8GA1UdIwQYMBaAFCV2mP55N9q1EU1ZIvOgy/LL3kTJMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQAD',
  'ggEBAD7cD18xzeuYfC3tZD1FrC470aT/EMpFgkWxUmLQGmX+MzU/pWmMvWbG37aByq3Cl3Omt56uICu8R9pTL4zQLZMEWtY4owa+',
  '/6qBiEsJcfDM/saRX9kDG3sJ6mzvAlK3juR98eL3X2rjWNolsF8pFNpCyk2QtNQygplPSSXbi+8vemi8MUKrg6uyqwuMPOhZHBZ7',
  'Jnc/ztSDk/VXuJx3zY9SoqnxI4bPalxkEhod4FPikk3+i5b7hctaIrnWmYmmNJWkspLt1Jc0rbyRNVxhB22yE07iSV9Q3/Whn1DY',
  '7SqIrfLuB49c5w7YqUjqxzjn43dPoly6dWXsOXzyCKops2k=',
].join('');

const EBOKS_CERTIFICATE = [
  'MIIDkzCCAnugAwIBAgIUaji+nLSOuxE+uC+0kOUKgFmgJEQwDQYJKoZIhvcNAQELBQAwWTELMAkGA1UEBhMCTk8xEjAQBgNVBAoM',
  'CUUtQk9LUyBBUzESMBAGA1UEBRMJOTIyMDIwMTc1MSIwIAYDVQQDDBllLUJva3Mgc2FuZGJveCBlbmNyeXB0aW9uMB4XDTI2MTEy',
  'MTIwMDAyNFoXDTM2MTExODIwMDAyNFowWTELMAkGA1UEBhMCTk8xEjAQBgNVBAoMCUUtQk9LUyBBUzESMBAGA1UEBRMJOTIyMDIw',
  'MTc1MSIwIAYDVQQDDBllLUJva3Mgc2FuZGJveCBlbmNyeXB0aW9uMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA7Osy',
  'Tl0J0yHifP+uGZn0GdU9MOq4RvNgpyjhImMYSEwrz0iiMD68Wou0tPaGyUsrgkBfq3Lo1IBlfNxpocipeh84LA9B54YrdxgLbvRR',
  'c1x6wKF5NSGt/ST8xCV+LTfISj33NXttgIkH5At4cqt2Yf3CI2GQgC4fk5tAnYPbi3ssaAgFfawCAE26rS9frCn79bOA3ANvvpnl',
  'cxFGi6YQcQ+lXbFL1yKQXCjJipqfmiXe36XqnMh7P1KHDnuFBnq6UuSvn0cC0r/oKZ6AqbUXpP2NGQBal8x30ETtnIo6NiXnIUtv',
  'bPOdnv46X9v3H9qGdmzS3C4TWePUTMYQH+bwGwIDAQABo1MwUTAdBgNVHQ4EFgQUIIteiFyBY9mXAZF0e8wO+/vRMP8wHwYDVR0j',
  'BBgwFoAUIIteiFyBY9mXAZF0e8wO+/vRMP8wDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAweFMzwJK50jUSvuo',
  '+5iomhqzkRq/UvAfwUE8bbJ8hb6Hg0JMTAOi0vC/UbZzDTthzcdlIFcO4bBRceM93qa43NBwYxCjW4ek2NWBHG+3zrbf4yFHjOSx',
  'vDhHbDy5kyxZ4QFGlOOXR7Kuu2oeNN+bIVfa+SlF5k1EOO+WuMqSOtiy3YohxjxIq2C0v1WcOfzVcQP4m/rKkK5eKR6E7VwkKSzb',
  'AsN4qbziHLOEtKXZh59IoV7QkhXVZl9eJeMc50TEfoKWA/XtFceECCqEsY8TK3vEiVOSwCh9EVwdLy5kHmYb4btNUvYCQ5hbeJfU',
  'sQyUBgLaNyLig41dieJtf74g7A==',
].join('');

/**
 * The seeded persons, with "fresh" timestamps `nowMs - n days`. Every id is a valid personal identifier.
 *
 * | id          | what it shows                                                                           |
 * |-------------|-----------------------------------------------------------------------------------------|
 * | 11887197158 | active, both contact points stale (> 18 months) → KAN_IKKE_VARSLES                     |
 * | 17894199350 | SLETTET: no contact information                                                         |
 * | 04846697271 | reserved (reservasjon JA) → KAN_IKKE_VARSLES although its mobile is fresh               |
 * | 11822648950 | fresh mobile and e-mail                                                                 |
 * | 22859197810 | Digipost mailbox (provider 984661185) with certificate                                  |
 * | 26826499361 | e-Boks mailbox (provider 922020175) with certificate                                    |
 * | 18886799280 | language nn                                                                             |
 * | 23079421936 | the seed document's example: only an e-mail updated 2010 → stale → KAN_IKKE_VARSLES      |
 * | 23079422568 | stale, duplicated e-mail but fresh mobile → per-channel rule, still KAN_VARSLES          |
 */
export function createKrrSeed(nowMs: number = KRR_SEED_LOADED_AT): KrrPerson[] {
  const ago = (days: number, style: KrrTimestampStyle): string => formatKrrTimestamp(nowMs - days * DAY_MS, style);
  return [
    {
      personidentifikator: '11887197158',
      reservasjon: 'NEI',
      status: 'AKTIV',
      spraak: 'nb',
      spraak_oppdatert: OLD_MILLIS,
      kontaktinformasjon: {
        epostadresse: '11887197158-test@minid.norge.no',
        epostadresse_oppdatert: OLD_MILLIS,
        epostadresse_sist_verifisert: OLD_HOURS,
        epostadresse_duplisert: 'NEI',
        mobiltelefonnummer: '+4799999901',
        mobiltelefonnummer_oppdatert: OLD_HOURS,
        mobiltelefonnummer_sist_verifisert: OLD_UTC,
        mobiltelefonnummer_duplisert: 'NEI',
      },
    },
    {
      personidentifikator: '17894199350',
      reservasjon: 'NEI',
      status: 'SLETTET',
    },
    {
      personidentifikator: '04846697271',
      reservasjon: 'JA',
      reservasjonstidspunkt: OLD_UTC,
      reservasjon_oppdatert: OLD_UTC,
      status: 'AKTIV',
      spraak: 'nb',
      spraak_oppdatert: OLD_HOURS,
      kontaktinformasjon: {
        mobiltelefonnummer: '+4799999903',
        mobiltelefonnummer_oppdatert: ago(60, 'offset-hours'),
        mobiltelefonnummer_sist_verifisert: ago(20, 'utc'),
        mobiltelefonnummer_duplisert: 'NEI',
      },
    },
    {
      personidentifikator: '11822648950',
      reservasjon: 'NEI',
      reservasjon_oppdatert: OLD_HOURS,
      status: 'AKTIV',
      spraak: 'nb',
      spraak_oppdatert: ago(400, 'offset-millis'),
      kontaktinformasjon: {
        epostadresse: '11822648950-test@minid.norge.no',
        epostadresse_oppdatert: ago(30, 'offset-millis'),
        epostadresse_sist_verifisert: ago(12, 'utc'),
        epostadresse_sist_validert: ago(12, 'utc'),
        epostadresse_duplisert: 'NEI',
        mobiltelefonnummer: '+4799999904',
        mobiltelefonnummer_oppdatert: ago(45, 'offset-hours'),
        mobiltelefonnummer_sist_verifisert: ago(3, 'utc'),
        mobiltelefonnummer_sist_validert: ago(3, 'utc'),
        mobiltelefonnummer_duplisert: 'NEI',
      },
    },
    {
      personidentifikator: '22859197810',
      reservasjon: 'NEI',
      status: 'AKTIV',
      spraak: 'nb',
      spraak_oppdatert: OLD_UTC,
      kontaktinformasjon: {
        epostadresse: '22859197810-test@minid.norge.no',
        epostadresse_oppdatert: ago(90, 'offset-millis'),
        epostadresse_sist_verifisert: ago(30, 'offset-millis'),
        epostadresse_duplisert: 'NEI',
        mobiltelefonnummer: '+4799999905',
        mobiltelefonnummer_oppdatert: ago(90, 'offset-millis'),
        mobiltelefonnummer_sist_verifisert: ago(30, 'offset-millis'),
        mobiltelefonnummer_duplisert: 'NEI',
      },
      digital_post: { postkasseadresse: 'ola.nordmann#2TQB', postkasseleverandoeradresse: DIGIPOST_ORGNO },
      sertifikat: DIGIPOST_CERTIFICATE,
    },
    {
      personidentifikator: '26826499361',
      reservasjon: 'NEI',
      status: 'AKTIV',
      spraak: 'en',
      spraak_oppdatert: ago(200, 'utc'),
      kontaktinformasjon: {
        epostadresse: '26826499361-test@minid.norge.no',
        epostadresse_oppdatert: ago(15, 'utc'),
        epostadresse_sist_verifisert: ago(15, 'utc'),
        epostadresse_duplisert: 'NEI',
      },
      digital_post: { postkasseadresse: 'eboks-sandbox-0471', postkasseleverandoeradresse: EBOKS_ORGNO },
      sertifikat: EBOKS_CERTIFICATE,
    },
    {
      personidentifikator: '18886799280',
      reservasjon: 'NEI',
      status: 'AKTIV',
      spraak: 'nn',
      spraak_oppdatert: ago(100, 'offset-hours'),
      kontaktinformasjon: {
        epostadresse: '18886799280-test@minid.norge.no',
        epostadresse_oppdatert: ago(100, 'offset-hours'),
        epostadresse_sist_verifisert: ago(7, 'offset-hours'),
        epostadresse_duplisert: 'NEI',
        mobiltelefonnummer: '+4799999907',
        mobiltelefonnummer_oppdatert: ago(100, 'offset-hours'),
        mobiltelefonnummer_duplisert: 'NEI',
      },
    },
    {
      personidentifikator: '23079421936',
      reservasjon: 'NEI',
      status: 'AKTIV',
      kontaktinformasjon: {
        epostadresse: '23079421936-test@minid.norge.no',
        epostadresse_oppdatert: '2010-12-16T13:32:05.000+01:00',
      },
    },
    {
      personidentifikator: '23079422568',
      reservasjon: 'NEI',
      status: 'AKTIV',
      spraak: 'se',
      spraak_oppdatert: OLD_HOURS,
      kontaktinformasjon: {
        epostadresse: '23079422568-test@minid.norge.no',
        epostadresse_oppdatert: OLD_UTC,
        epostadresse_sist_verifisert: OLD_HOURS,
        epostadresse_sist_validert: ago(10, 'utc'),
        epostadresse_duplisert: 'JA',
        mobiltelefonnummer: '+4799999909',
        mobiltelefonnummer_oppdatert: ago(25, 'offset-millis'),
        mobiltelefonnummer_sist_verifisert: ago(5, 'offset-hours'),
        mobiltelefonnummer_duplisert: 'NEI',
      },
    },
  ];
}

/** The default seed, fresh relative to module load time. */
export const krrSeedPersons: readonly KrrPerson[] = createKrrSeed();

const K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2] as const;
const K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;

/** Classic mod-11 check digit over `digits`, or -1 when none exists (remainder gives 10). */
function checkDigit(digits: readonly number[], weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits[i] ?? 0) * (weights[i] ?? 0);
  const check = 11 - (sum % 11);
  return check === 11 ? 0 : check === 10 ? -1 : check;
}

/**
 * Tenor-style synthetic ids (month + 80) born 2000–2039 (individnummer 500–999), valid under the classic mod-11 rule,
 * in a fixed order: day, then month, then year, individnummer fastest. None collides with the seeded persons.
 */
function* syntheticIds(): Generator<string> {
  for (let year = 0; year < 40; year++) {
    for (let month = 1; month <= 12; month++) {
      for (let day = 1; day <= 28; day++) {
        for (let individ = 500; individ < 1000; individ++) {
          const base = `${pad(day)}${pad(month + 80)}${pad(year)}${pad(individ, 3)}`;
          const digits = Array.from(base, Number);
          const k1 = checkDigit(digits, K1_WEIGHTS);
          if (k1 < 0) continue;
          digits.push(k1);
          const k2 = checkDigit(digits, K2_WEIGHTS);
          if (k2 < 0) continue;
          yield `${base}${k1}${k2}`;
        }
      }
    }
  }
}

/**
 * `count` distinct, valid synthetic personal identifiers, deterministic: the same arguments always give the same ids,
 * and `(n, start)` continues where `(start, 0)` stopped.
 */
export function syntheticPersonIdentifiers(count: number, start = 0): string[] {
  if (!Number.isSafeInteger(count) || count < 0 || !Number.isSafeInteger(start) || start < 0) {
    throw new RangeError('count and start must be non-negative integers');
  }
  const ids: string[] = [];
  if (count === 0) return ids;
  let index = 0;
  for (const id of syntheticIds()) {
    if (index++ < start) continue;
    ids.push(id);
    if (ids.length === count) return ids;
  }
  throw new RangeError('not that many synthetic identifiers');
}

const GENERATED_EMAIL_UPDATED = formatKrrTimestamp(KRR_SEED_LOADED_AT - 120 * DAY_MS, 'offset-millis');
const GENERATED_EMAIL_VERIFIED = formatKrrTimestamp(KRR_SEED_LOADED_AT - 20 * DAY_MS, 'utc');
const GENERATED_MOBILE_UPDATED = formatKrrTimestamp(KRR_SEED_LOADED_AT - 60 * DAY_MS, 'offset-hours');

/** A plausible active, unreserved person with fresh e-mail and mobile, derived from `id` (for benchmarks). */
export function generatedPerson(id: string): KrrPerson {
  return {
    personidentifikator: id,
    reservasjon: 'NEI',
    status: 'AKTIV',
    spraak: 'nb',
    spraak_oppdatert: OLD_HOURS,
    kontaktinformasjon: {
      epostadresse: `${id}-test@minid.norge.no`,
      epostadresse_oppdatert: GENERATED_EMAIL_UPDATED,
      epostadresse_sist_verifisert: GENERATED_EMAIL_VERIFIED,
      epostadresse_duplisert: 'NEI',
      mobiltelefonnummer: `+479${id.slice(4, 11)}`,
      mobiltelefonnummer_oppdatert: GENERATED_MOBILE_UPDATED,
      mobiltelefonnummer_duplisert: 'NEI',
    },
  };
}
