import { GraphQLError, parseValue as parseAst, type GraphQLScalarType } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  DateTimeScalar,
  OrganizationNumberScalar,
  PersonIdentifierScalar,
  ScalarInputError,
  URLScalar,
  scalarResolvers,
} from '../../src/graphql/scalars.js';

/** A GraphQL literal as it would appear in a query document. */
const literal = (source: string) => parseAst(source);

/** Runs `fn`, expects a BAD_USER_INPUT refusal, and checks neither its message nor its JSON repeats `value`. */
function expectRefused(fn: () => unknown, value: unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(GraphQLError);
  expect(caught).toBeInstanceOf(ScalarInputError);
  const err = caught as GraphQLError;
  expect(err.extensions.code).toBe('BAD_USER_INPUT');
  const text = String(value);
  if (text.length >= 4) {
    expect(err.message).not.toContain(text);
    expect(JSON.stringify(err.toJSON())).not.toContain(text);
  }
}

function refusesBoth(scalar: GraphQLScalarType, value: string): void {
  expectRefused(() => scalar.parseValue(value), value);
  expectRefused(() => scalar.parseLiteral(literal(JSON.stringify(value))), value);
}

it('exposes the four scalars by their schema names', () => {
  expect(Object.keys(scalarResolvers).sort()).toEqual(['DateTime', 'OrganizationNumber', 'PersonIdentifier', 'URL']);
  for (const [name, scalar] of Object.entries(scalarResolvers)) expect(scalar.name).toBe(name);
});

describe('PersonIdentifier', () => {
  it('accepts valid numbers as variables and as string literals', () => {
    for (const id of ['23079422568', '30108299939', '63079422551', '11887197158']) {
      expect(PersonIdentifierScalar.parseValue(id)).toBe(id);
      expect(PersonIdentifierScalar.parseLiteral(literal(`"${id}"`))).toBe(id);
    }
  });

  it('refuses invalid numbers without repeating them', () => {
    for (const id of ['23079422569', '2307942256', '230794225680', '2307942256a', '11822648951', '']) {
      refusesBoth(PersonIdentifierScalar, id);
    }
  });

  it('refuses non-strings: numbers, null, objects and an Int literal', () => {
    for (const value of [23079422568, null, undefined, { id: '23079422568' }, ['23079422568'], true]) {
      expectRefused(() => PersonIdentifierScalar.parseValue(value), value);
    }
    expectRefused(() => PersonIdentifierScalar.parseLiteral(literal('23079422568')), '23079422568');
    expectRefused(() => PersonIdentifierScalar.parseLiteral(literal('["23079422568"]')), '23079422568');
  });

  it('a number (a variable sent as a JSON number) is told to be sent as a string, without repeating it', () => {
    for (const value of [23079422568, 1822648950, 0]) {
      expectRefused(() => PersonIdentifierScalar.parseValue(value), value);
      expect(() => PersonIdentifierScalar.parseValue(value)).toThrow(
        'PersonIdentifier must be given as a string of 11 digits, not as a number (a number loses leading zeros).',
      );
    }
    expect(() => OrganizationNumberScalar.parseValue(991825827)).toThrow(
      'OrganizationNumber must be given as a string of 9 digits, not as a number (a number loses leading zeros).',
    );
  });

  it('serializes as a string', () => {
    expect(PersonIdentifierScalar.serialize('23079422568')).toBe('23079422568');
  });
});

describe('OrganizationNumber', () => {
  it('accepts valid numbers on input', () => {
    for (const orgno of ['991825827', '984661185', '922020175']) {
      expect(OrganizationNumberScalar.parseValue(orgno)).toBe(orgno);
      expect(OrganizationNumberScalar.parseLiteral(literal(`"${orgno}"`))).toBe(orgno);
    }
  });

  it('refuses invalid numbers on input without repeating them', () => {
    for (const orgno of ['991825828', '991825829', '99182582', '9918258270', 'NO991825827']) {
      refusesBoth(OrganizationNumberScalar, orgno);
    }
    expectRefused(() => OrganizationNumberScalar.parseValue(991825827), 991825827);
    expectRefused(() => OrganizationNumberScalar.parseLiteral(literal('991825827')), 991825827);
  });

  it('serializes what the upstream returned, even a number failing the check', () => {
    expect(OrganizationNumberScalar.serialize('991825828')).toBe('991825828');
    expect(OrganizationNumberScalar.serialize('991825827')).toBe('991825827');
  });
});

describe('DateTime', () => {
  it('parses ISO-8601 with an offset into a Date', () => {
    const cases: [string, string][] = [
      ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.000Z'],
      ['2024-05-01T12:00:00.123Z', '2024-05-01T12:00:00.123Z'],
      ['2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.000Z'],
      ['2024-05-01T12:00:00-0530', '2024-05-01T17:30:00.000Z'],
    ];
    for (const [input, iso] of cases) {
      const fromVariable = DateTimeScalar.parseValue(input);
      expect(fromVariable).toBeInstanceOf(Date);
      expect(fromVariable.toISOString()).toBe(iso);
      expect(DateTimeScalar.parseLiteral(literal(`"${input}"`)).toISOString()).toBe(iso);
    }
  });

  it('refuses values without an offset, dates alone, garbage and non-strings, without repeating them', () => {
    for (const value of [
      '2024-06-15T09:30:00',
      '2024-06-15',
      '2024-06-15 09:30:00Z',
      'yesterday at noon',
      '2024-13-01T12:00:00Z',
      '2024-05-01T25:00:00Z',
    ]) {
      refusesBoth(DateTimeScalar, value);
    }
    expectRefused(() => DateTimeScalar.parseValue(1714564800), 1714564800);
    const date = new Date('2024-06-15T09:30:00Z');
    expectRefused(() => DateTimeScalar.parseValue(date), date.toISOString());
    expectRefused(() => DateTimeScalar.parseLiteral(literal('1714564800')), 1714564800);
  });

  it('refuses a calendar date that does not exist instead of moving it to another day', () => {
    // JavaScript's Date turns 2024-02-30 into 2024-03-01 and 2023-04-31 into 2023-05-01.
    refusesBoth(DateTimeScalar, '2024-02-30T12:00:00Z');
    refusesBoth(DateTimeScalar, '2023-04-31T12:00:00Z');
  });

  it('serializes Dates and upstream timestamp variants to ISO-8601 UTC', () => {
    expect(DateTimeScalar.serialize(new Date('2024-05-01T10:00:00+02:00'))).toBe('2024-05-01T08:00:00.000Z');
    expect(DateTimeScalar.serialize('2010-12-16T13:32:05.000+01:00')).toBe('2010-12-16T12:32:05.000Z');
    expect(DateTimeScalar.serialize('2023-06-29T10:14:52+02')).toBe('2023-06-29T08:14:52.000Z');
    // Epoch seconds, as the admin API sends some times.
    expect(DateTimeScalar.serialize(1714564800)).toBe('2024-05-01T12:00:00.000Z');
  });

  it('refuses to serialize what is not a time', () => {
    for (const value of ['garbage', new Date(Number.NaN), {}, null]) {
      expect(() => DateTimeScalar.serialize(value)).toThrow(GraphQLError);
    }
  });
});

describe('URL', () => {
  /** Refused as a variable and as a literal, BAD_USER_INPUT, the value not repeated, the message matching `reason`. */
  function refusesUrl(value: string, reason: RegExp): void {
    refusesBoth(URLScalar, value);
    expect(() => URLScalar.parseValue(value)).toThrow(reason);
  }

  it('accepts absolute http(s) URLs and returns the exact input', () => {
    for (const url of [
      'https://example.no/callback',
      'http://localhost:3000/cb?x=1',
      'https://a.b/c#frag',
      'https://a.no', // an empty path means "/"
      'https://a.no?state=1',
      'https://a.no:443/cb', // the default port may be written; it is forwarded as written
      'http://a.no:80/cb',
      'https://a.no:8443/cb',
      'http://127.0.0.1:8080/cb',
      'https://[::1]:8443/cb', // IPv6 in its canonical form
      'https://xn--exmple-4nf.no/', // the punycode form of a non-ASCII host
      'https://a.no./cb', // a fully qualified name
      'https://my_host.example.no/',
      'https://a.no/cb?q=%20x%27&r=%C3%B8#%7Bf%7D', // already percent-encoded
      'https://a.no/a%2Fb',
      `https://example.no/${'a'.repeat(2048 - 'https://example.no/'.length)}`, // exactly 2048 characters
    ]) {
      expect(URLScalar.parseValue(url)).toBe(url);
      expect(URLScalar.parseLiteral(literal(JSON.stringify(url)))).toBe(url);
    }
  });

  it('refuses other schemes, relative URLs and over-long URLs, without repeating them', () => {
    for (const url of [
      'javascript:alert(1)',
      'ftp://example.no/file',
      'file:///etc/passwd',
      '/relative/path',
      'example.no/callback',
      'not a url',
      `https://example.no/${'a'.repeat(2100)}`,
      `https://example.no/${'a'.repeat(2049 - 'https://example.no/'.length)}`, // 2049 characters
      'HTTPS://a.no/', // the scheme as WHATWG writes it: lowercase
      'https:a.no/', // WHATWG reads these three as https://a.no/
      'https:/a.no/',
      'https:///a.no/',
      'https://?x=1',
      'https://#x',
      'https://:443/',
    ]) {
      refusesBoth(URLScalar, url);
    }
    expectRefused(() => URLScalar.parseValue(42), 42);
    expectRefused(() => URLScalar.parseLiteral(literal('42')), 42);
  });

  it('refuses userinfo: the host one parser sees is not the one another sees', () => {
    for (const url of [
      'https://a@evil.example',
      'https://a@evil.example/cb',
      'https://a.no:b@evil.example/',
      'https://:b@evil.example/',
      'https://@evil.example/',
      'https://a.no@evil.example:8443/',
    ]) {
      refusesUrl(url, /user name or password/);
    }
  });

  it('refuses wildcards and percent-encoding in the host', () => {
    refusesUrl('https://*.example.no/cb', /wildcards \(\*\)/);
    refusesUrl('https://a.*/cb', /wildcards \(\*\)/);
    refusesUrl('https://a%2eno/', /percent-encoding \(%\)/);
    refusesUrl('https://%61.no/', /percent-encoding \(%\)/);
  });

  it('refuses whitespace and control characters anywhere, which WHATWG parsing would strip or encode silently', () => {
    refusesUrl(' https://a.no/', /whitespace and control/);
    refusesUrl('https://a.no/ ', /whitespace and control/);
    refusesUrl('https://a.no/\tx', /whitespace and control/);
    refusesUrl('https://a.no/\nx', /whitespace and control/);
    refusesUrl('https://a.n\to/', /whitespace and control/);
    refusesUrl('https://a.no/?q=a b', /whitespace and control/);
    refusesUrl('https://a.no/#a b', /whitespace and control/);
    refusesUrl('https://a.no/\u00a0', /whitespace and control/);
    refusesUrl('https://a.no/\u200b', /whitespace and control/);
    refusesUrl('https://a.no/\ufeff', /whitespace and control/);
    for (let code = 0; code <= 0x20; code++) {
      const c = String.fromCharCode(code);
      for (const url of [`${c}https://a.no/cb`, `https://a.no/c${c}b`, `https://a.no/cb${c}`]) {
        expect(() => URLScalar.parseValue(url)).toThrow(/whitespace and control/);
      }
    }
    expect(() => URLScalar.parseValue('https://a.no/\u007f')).toThrow(/whitespace and control/);
    expect(() => URLScalar.parseValue('https://a.no/\u0085')).toThrow(/whitespace and control/);
  });

  it('refuses backslashes, which WHATWG reads as "/" but other parsers do not', () => {
    refusesUrl('https://a.no\\@b.no/', /backslashes/);
    refusesUrl('https://a.no\\b.no/', /backslashes/);
    refusesUrl('https:\\\\a.no/', /backslashes/);
    refusesUrl('https://a.no/cb\\..\\x', /backslashes/);
  });

  it('refuses a non-ASCII host and names its punycode form', () => {
    const cyrillic = 'https://ex\u0430mple.no/'; // "exаmple" with a Cyrillic а
    refusesUrl(cyrillic, /punycode form: xn--exmple-4nf\.no\./);
    expect(() => URLScalar.parseValue(cyrillic)).not.toThrow(/ex\u0430mple/);
    refusesUrl('https://bl\u00e5b\u00e6r.no:8443/cb', /punycode form: xn--blbr-roah\.no\./);
    refusesUrl('https://\u0430.no/', /punycode form/);
    refusesUrl('https://user@bl\u00e5.no/', /punycode form/);
    // Whatever cannot be turned into punycode still gets the advice, without an example.
    refusesUrl('https://\u00e5*.no/', /punycode form \(xn--…\)/);
  });

  it('refuses other non-ASCII characters, which must be percent-encoded', () => {
    refusesUrl('https://a.no/bl\u00e5b\u00e6r', /percent-encode others/);
    refusesUrl('https://a.no/?q=\u00f8', /percent-encode others/);
    refusesUrl('https://a.no/#\u{1f600}', /percent-encode others/);
  });

  it('refuses a host that WHATWG parsing rewrites: it must be written as parsed', () => {
    for (const url of [
      'http://0x7f.1/',
      'http://127.1/',
      'http://0177.0.0.1/',
      'http://2130706433/',
      'http://127.0.0.01/',
      'https://A.no/',
      'https://a.NO/cb',
      'http://[0:0:0:0:0:0:0:1]/',
      'http://[::FFFF:7f00:1]/',
      'http://[::ffff:127.0.0.1]/',
      'https://a..no/',
      'https://.a.no/',
      'https://a.no../',
      'https://a!.no/',
      'https://a$b.no/',
      'https://a,b.no/',
    ]) {
      refusesUrl(url, /host must be|expected an absolute/);
    }
    refusesUrl('http://0x7f.1/', /written as the URL standard writes it/);
    refusesUrl('http://[0:0:0:0:0:0:0:1]/', /written as the URL standard writes it/);
  });

  it('refuses a port other than 1–65535 without leading zeros', () => {
    for (const url of [
      'https://a.no:/',
      'https://a.no:0/',
      'https://a.no:0443/',
      'https://a.no:65536/',
      'https://a.no:x/',
    ]) {
      refusesUrl(url, /port must be/);
    }
    expect(URLScalar.parseValue('https://a.no:65535/')).toBe('https://a.no:65535/');
  });

  it('refuses a path, query or fragment that WHATWG parsing would rewrite', () => {
    for (const url of [
      'https://a.no/cb/../evil',
      'https://a.no/cb/./x',
      'https://a.no/cb/..',
      'https://a.no/cb/%2e%2e/evil',
      'https://a.no/cb/.%2E/evil',
      'https://a.no/{x}',
      'https://a.no/"x"',
      'https://a.no/<x>',
      'https://a.no/`x`',
      "https://a.no/?q='x'",
      'https://a.no/#<x>',
    ]) {
      refusesUrl(url, /normal form/);
    }
  });

  it('accepts only values that a WHATWG parser reads back to the same URL', () => {
    const samples = [
      'https://a.no',
      'https://a.no:443/cb',
      'https://[::1]:8443/cb?x=1#y',
      'https://a.no/%7Bx%7D',
      'http://127.0.0.1/',
    ];
    for (const sample of samples) {
      const accepted = URLScalar.parseValue(sample);
      const url = new URL(accepted);
      const authority = /^https?:\/\/([^/?#]*)/.exec(accepted)?.[1] ?? '';
      expect(authority.replace(/:\d+$/, '')).toBe(url.hostname);
      expect(url.username + url.password).toBe('');
    }
  });

  it('serializes as a string', () => {
    expect(URLScalar.serialize('https://example.no/')).toBe('https://example.no/');
  });
});
