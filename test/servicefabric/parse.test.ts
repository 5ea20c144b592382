import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { InvalidResponseError } from '../../src/servicefabric/request-errors.js';
import { jsonShapeProblem, MAX_JSON_DEPTH, parseStoreContent, parseUploadSessions } from '../../src/servicefabric/parse.js';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/servicefabric/${name}`, import.meta.url), 'utf8'));
}

/** A valid one-session body with `patch` applied to the session. */
function withSession(patch: Record<string, unknown>): unknown {
  return {
    UploadSessions: [
      {
        StoreRelativePath: 'apps\\a.dll',
        SessionId: '2032ac6c-a348-4594-86da-dab0f2bb1ae1',
        FileSize: '100',
        ModifiedDate: '2017-09-28T17:28:11.627Z',
        ExpectedRanges: [{ StartPosition: '0', EndPosition: '99' }],
        ...patch,
      },
    ],
  };
}

function withRanges(fileSize: string, ranges: unknown): unknown {
  return withSession({ FileSize: fileSize, ExpectedRanges: ranges });
}

function rejection(body: unknown): InvalidResponseError {
  try {
    parseUploadSessions(body);
  } catch (error) {
    if (error instanceof InvalidResponseError) return error;
    throw error;
  }
  throw new Error('expected parseUploadSessions to throw');
}

describe('parseUploadSessions', () => {
  it('parses the reference example from the API page', () => {
    const sessions = parseUploadSessions(fixture('get-upload-session-by-path.json'));
    expect(sessions).toEqual([
      {
        storeRelativePath: 'SwaggerTest\\Common.dll',
        sessionId: '2032ac6c-a348-4594-86da-dab0f2bb1ae1',
        fileSize: 2097152,
        modifiedMs: Date.UTC(2017, 8, 28, 17, 28, 11, 627),
        expectedRanges: [
          { start: 0, end: 207615 },
          { start: 626977, end: 2097151 },
        ],
        remainingBytes: 1677791,
      },
      {
        storeRelativePath: 'SwaggerTest\\Common.dll',
        sessionId: 'fb2da2b2-7cb4-45d2-a2e6-c4888d205bc5',
        fileSize: 2097152,
        modifiedMs: Date.UTC(2017, 8, 28, 17, 28, 11, 643),
        expectedRanges: [
          { start: 0, end: 616947 },
          { start: 1087529, end: 2097151 },
        ],
        remainingBytes: 1626571,
      },
    ]);
  });

  it('accepts an empty list', () => {
    expect(parseUploadSessions({ UploadSessions: [] })).toEqual([]);
  });

  it('accepts a complete session (no expected ranges) as zero bytes remaining', () => {
    const [s] = parseUploadSessions(withRanges('100', []));
    expect(s?.remainingBytes).toBe(0);
    expect(s?.expectedRanges).toEqual([]);
  });

  it('maps the runtime zero-byte quirk [{"0","0"}] to no range and zero remaining', () => {
    const [s] = parseUploadSessions(fixture('zero-byte-session.json'));
    expect(s?.fileSize).toBe(0);
    expect(s?.expectedRanges).toEqual([]);
    expect(s?.remainingBytes).toBe(0);
  });

  it('keeps a one-byte range at the start of a larger file: only an empty file has the quirk', () => {
    expect(parseUploadSessions(withRanges('100', [{ StartPosition: '0', EndPosition: '0' }]))[0]).toMatchObject({ expectedRanges: [{ start: 0, end: 0 }], remainingBytes: 1 });
  });

  it('accepts a zero-byte session with no range (a runtime without the quirk)', () => {
    expect(parseUploadSessions(withRanges('0', []))[0]?.remainingBytes).toBe(0);
  });

  it('accepts a StoreRelativePath of exactly 32,768 characters, Service Fabric\'s file-path limit', () => {
    const [s] = parseUploadSessions(withSession({ StoreRelativePath: 'a'.repeat(32 * 1024) }));
    expect(s?.storeRelativePath).toHaveLength(32 * 1024);
  });

  it('accepts 2^53-1 exactly', () => {
    const max = String(Number.MAX_SAFE_INTEGER);
    const [s] = parseUploadSessions(withRanges(max, [{ StartPosition: '0', EndPosition: String(Number.MAX_SAFE_INTEGER - 1) }]));
    expect(s?.fileSize).toBe(Number.MAX_SAFE_INTEGER);
    expect(s?.remainingBytes).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('lower-cases the session id', () => {
    const [s] = parseUploadSessions(withSession({ SessionId: '2032AC6C-A348-4594-86DA-DAB0F2BB1AE1' }));
    expect(s?.sessionId).toBe('2032ac6c-a348-4594-86da-dab0f2bb1ae1');
  });

  it.each([
    ['2017-09-28T17:28:11.627Z', Date.UTC(2017, 8, 28, 17, 28, 11, 627)],
    ['2017-09-28T17:28:11Z', Date.UTC(2017, 8, 28, 17, 28, 11)],
    ['2017-09-28T17:28:11.6271234Z', Date.UTC(2017, 8, 28, 17, 28, 11, 627)],
    ['2017-09-28T19:28:11.627+02:00', Date.UTC(2017, 8, 28, 17, 28, 11, 627)],
    ['2024-02-29T00:00:00.000Z', Date.UTC(2024, 1, 29)],
    ['2024-12-31T23:59:59Z', Date.UTC(2024, 11, 31, 23, 59, 59)],
    ['0001-01-01T00:00:00.000Z', -62135596800000],
  ])('accepts ModifiedDate %s', (date, ms) => {
    expect(parseUploadSessions(withSession({ ModifiedDate: date }))[0]?.modifiedMs).toBe(ms);
  });

  it('computes every ModifiedDate as the Date of the same calendar fields does, across years, leap days and offsets', () => {
    // A deterministic sweep rather than random dates: every month end, leap days of century years,
    // and offsets on both sides of UTC.
    const cases: Array<[string, number]> = [];
    for (const year of [1, 4, 99, 100, 400, 1600, 1899, 1900, 1970, 1999, 2000, 2023, 2024, 2100, 2400, 9999]) {
      for (let month = 1; month <= 12; month++) {
        const last = new Date(Date.UTC(2000, month, 0)).getUTCDate();
        for (const day of [1, 15, last === 29 ? 28 : last]) {
          const reference = new Date(0);
          reference.setUTCFullYear(year, month - 1, day);
          reference.setUTCHours(23, 59, 58, 999);
          const fields = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T23:59:58.999`;
          cases.push([`${fields}Z`, reference.getTime()], [`${fields}-05:30`, reference.getTime() + 5.5 * 3_600_000]);
        }
      }
      const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
      if (leap) {
        const reference = new Date(0);
        reference.setUTCFullYear(year, 1, 29);
        cases.push([`${String(year).padStart(4, '0')}-02-29T00:00:00Z`, reference.getTime()]);
      }
    }
    expect(cases.length).toBeGreaterThan(500);
    for (const [date, ms] of cases) {
      // A clock at infinity: dates up to 2100 are the arithmetic's test, not the clock-skew check's.
      expect([date, parseUploadSessions(withSession({ ModifiedDate: date }), Number.POSITIVE_INFINITY)[0]?.modifiedMs]).toEqual([date, ms]);
    }
  });

  it.each(['1900-02-29T00:00:00Z', '2023-02-29T00:00:00Z', '2024-04-31T00:00:00Z', '2024-13-01T00:00:00Z', '2024-00-10T00:00:00Z', '2024-01-00T00:00:00Z', '2024-01-01T23:60:00Z', '2024-01-01T23:59:60Z'])(
    'rejects the impossible date-time %s',
    (date) => {
      expect(() => parseUploadSessions(withSession({ ModifiedDate: date }))).toThrow(`UploadSessions[0].ModifiedDate: "${date}" is not a valid calendar date-time`);
    },
  );

  it.each([
    ['999999999999999', 999_999_999_999_999],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['0000000000000000000042', 42],
  ])('reads the FileSize %s exactly', (size, value) => {
    expect(parseUploadSessions(withSession({ FileSize: size, ExpectedRanges: [] }))[0]?.fileSize).toBe(value);
  });

  it('rejects a FileSize one above 2^53-1', () => {
    expect(() => parseUploadSessions(withSession({ FileSize: '9007199254740992' }))).toThrow('UploadSessions[0].FileSize: "9007199254740992" exceeds 2^53-1');
  });

  it('takes a ModifiedDate up to 5 minutes ahead of this host as clock skew, and refuses one further ahead', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(parseUploadSessions(withSession({ ModifiedDate: '2026-01-01T12:05:00.000Z' }), now)[0]?.modifiedMs).toBe(now + 300_000);
    expect(() => parseUploadSessions(withSession({ ModifiedDate: '2026-01-01T12:05:00.001Z' }), now)).toThrow(
      'UploadSessions[0].ModifiedDate: "2026-01-01T12:05:00.001Z" is more than 5 minutes ahead of this host\'s clock',
    );
    expect(() => parseUploadSessions(withSession({ ModifiedDate: '9999-12-31T23:59:59.999Z' }))).toThrow(/ModifiedDate: "9999-12-31T23:59:59\.999Z" is more than 5 minutes ahead/);
    expect(() => parseStoreContent({ StoreFiles: [{ ...MANIFEST, ModifiedDate: '9999-01-01T00:00:00Z' }] })).toThrow(
      'StoreFiles[0].ModifiedDate: "9999-01-01T00:00:00Z" is more than 5 minutes ahead of this host\'s clock',
    );
  });

  it('ignores unknown fields', () => {
    expect(parseUploadSessions({ ...(withSession({ Extra: 1 }) as object), ContinuationToken: '' })).toHaveLength(1);
  });

  it('accepts adjacent ranges', () => {
    const body = withRanges('10', [
      { StartPosition: '0', EndPosition: '4' },
      { StartPosition: '5', EndPosition: '9' },
    ]);
    expect(parseUploadSessions(body)[0]?.remainingBytes).toBe(10);
  });

  const s0 = 'UploadSessions[0]';
  const invalid: ReadonlyArray<[string, unknown, string]> = [
    ['null body', null, 'body: expected a JSON object, got null'],
    ['array body', [], 'body: expected a JSON object, got an array'],
    ['string body', 'x', 'body: expected a JSON object, got string "x"'],
    ['object without UploadSessions', { Sessions: [] }, 'UploadSessions: missing'],
    ['UploadSessions null', { UploadSessions: null }, 'UploadSessions: missing'],
    ['UploadSessions not an array', { UploadSessions: {} }, 'UploadSessions: expected an array, got an object'],
    ['session not an object', { UploadSessions: [42] }, `${s0}: expected an object, got number 42`],
    ['StoreRelativePath missing', withSession({ StoreRelativePath: undefined }), `${s0}.StoreRelativePath: missing`],
    ['StoreRelativePath a number', withSession({ StoreRelativePath: 7 }), `${s0}.StoreRelativePath: expected a string, got number 7`],
    ['StoreRelativePath with a lone high surrogate (JSON escape)', withSession({ StoreRelativePath: JSON.parse('"a\\uD800.zip"') as string }), `${s0}.StoreRelativePath: holds an unpaired UTF-16 surrogate, which is no character`],
    ['StoreRelativePath with a lone low surrogate (JSON escape)', withSession({ StoreRelativePath: 'a\uDC00' }), `${s0}.StoreRelativePath: holds an unpaired UTF-16 surrogate, which is no character`],
    ['StoreRelativePath one character over Service Fabric\'s file-path limit', withSession({ StoreRelativePath: 'a'.repeat(32 * 1024 + 1) }), `${s0}.StoreRelativePath: is 32769 characters long, more than the 32768 Service Fabric allows a file path`],
    ['SessionId missing', withSession({ SessionId: undefined }), `${s0}.SessionId: missing`],
    ['SessionId not a UUID', withSession({ SessionId: 'abc' }), `${s0}.SessionId: "abc" is not a UUID`],
    ['SessionId with braces', withSession({ SessionId: '{2032ac6c-a348-4594-86da-dab0f2bb1ae1}' }), `${s0}.SessionId: "{2032ac6c`],
    ['SessionId a number', withSession({ SessionId: 1 }), `${s0}.SessionId: expected a UUID string, got number 1`],
    ['FileSize missing', withSession({ FileSize: undefined }), `${s0}.FileSize: missing`],
    ['FileSize a JSON number', withSession({ FileSize: 100 }), `${s0}.FileSize: expected a decimal string, got number 100`],
    ['FileSize exponent', withSession({ FileSize: '1e3' }), `${s0}.FileSize: "1e3" is not a decimal integer`],
    ['FileSize leading space', withSession({ FileSize: ' 12' }), `${s0}.FileSize: " 12" is not a decimal integer`],
    ['FileSize hex', withSession({ FileSize: '0x10' }), `${s0}.FileSize: "0x10" is not a decimal integer`],
    ['FileSize fraction', withSession({ FileSize: '1.5' }), `${s0}.FileSize: "1.5" is not a decimal integer`],
    ['FileSize empty', withSession({ FileSize: '' }), `${s0}.FileSize: "" is not a decimal integer`],
    ['FileSize plus sign', withSession({ FileSize: '+5' }), `${s0}.FileSize: "+5" is not a decimal integer`],
    ['FileSize negative', withSession({ FileSize: '-1' }), `${s0}.FileSize: "-1" is negative`],
    ['FileSize 2^53', withSession({ FileSize: '9007199254740992' }), `${s0}.FileSize: "9007199254740992" exceeds 2^53-1`],
    ['FileSize 2^64', withSession({ FileSize: '18446744073709551616' }), `${s0}.FileSize: "18446744073709551616" exceeds 2^53-1`],
    ['ModifiedDate missing', withSession({ ModifiedDate: undefined }), `${s0}.ModifiedDate: missing`],
    ['ModifiedDate garbage', withSession({ ModifiedDate: 'yesterday' }), `${s0}.ModifiedDate: "yesterday" is not an ISO-8601 date-time`],
    ['ModifiedDate without zone', withSession({ ModifiedDate: '2017-09-28T17:28:11.627' }), `${s0}.ModifiedDate: "2017-09-28T17:28:11.627" is not an ISO`],
    ['ModifiedDate date only', withSession({ ModifiedDate: '2017-09-28' }), `${s0}.ModifiedDate: "2017-09-28" is not an ISO`],
    ['ModifiedDate ticks', withSession({ ModifiedDate: '636422320916270000' }), `${s0}.ModifiedDate: "636422320916270000" is not an ISO`],
    ['ModifiedDate Feb 30', withSession({ ModifiedDate: '2017-02-30T00:00:00Z' }), `${s0}.ModifiedDate: "2017-02-30T00:00:00Z" is not a valid calendar`],
    ['ModifiedDate hour 24', withSession({ ModifiedDate: '2017-09-28T24:00:00Z' }), `${s0}.ModifiedDate: "2017-09-28T24:00:00Z" is not a valid calendar`],
    ['ModifiedDate a number', withSession({ ModifiedDate: 1506619691627 }), `${s0}.ModifiedDate: expected an ISO-8601 date string, got number`],
    ['ExpectedRanges missing', withSession({ ExpectedRanges: undefined }), `${s0}.ExpectedRanges: missing`],
    ['ExpectedRanges not an array', withSession({ ExpectedRanges: 'none' }), `${s0}.ExpectedRanges: expected an array, got string "none"`],
    ['range not an object', withRanges('100', ['0-99']), `${s0}.ExpectedRanges[0]: expected an object, got string "0-99"`],
    ['StartPosition missing', withRanges('100', [{ EndPosition: '99' }]), `${s0}.ExpectedRanges[0].StartPosition: missing`],
    ['EndPosition not decimal', withRanges('100', [{ StartPosition: '0', EndPosition: 'abc' }]), `${s0}.ExpectedRanges[0].EndPosition: "abc" is not a decimal integer`],
    ['EndPosition a JSON number', withRanges('100', [{ StartPosition: '0', EndPosition: 99 }]), `${s0}.ExpectedRanges[0].EndPosition: expected a decimal string, got number 99`],
    ['StartPosition negative', withRanges('100', [{ StartPosition: '-1', EndPosition: '99' }]), `${s0}.ExpectedRanges[0].StartPosition: "-1" is negative`],
    ['end before start', withRanges('100', [{ StartPosition: '50', EndPosition: '49' }]), `${s0}.ExpectedRanges[0]: EndPosition 49 is before StartPosition 50`],
    ['range reaching FileSize', withRanges('100', [{ StartPosition: '0', EndPosition: '100' }]), `${s0}.ExpectedRanges[0]: range 0-100 extends beyond FileSize 100`],
    ['range beyond FileSize', withRanges('100', [{ StartPosition: '0', EndPosition: '10' }, { StartPosition: '200', EndPosition: '300' }]), `${s0}.ExpectedRanges[1]: range 200-300 extends beyond FileSize 100`],
    [
      'overlapping ranges',
      withRanges('100', [{ StartPosition: '0', EndPosition: '50' }, { StartPosition: '50', EndPosition: '99' }]),
      `${s0}.ExpectedRanges[1]: range 50-99 is not after the previous range 0-50`,
    ],
    [
      'descending ranges',
      withRanges('100', [{ StartPosition: '60', EndPosition: '99' }, { StartPosition: '0', EndPosition: '10' }]),
      `${s0}.ExpectedRanges[1]: range 0-10 is not after the previous range 60-99`,
    ],
    ['zero-byte file with another range', withRanges('0', [{ StartPosition: '0', EndPosition: '1' }]), `${s0}.ExpectedRanges[0]: range 0-1 extends beyond FileSize 0`],
    ['zero-byte file with two quirk ranges', withRanges('0', [{ StartPosition: '0', EndPosition: '0' }, { StartPosition: '0', EndPosition: '0' }]), `${s0}.ExpectedRanges[0]: range 0-0 extends beyond FileSize 0`],
  ];

  it.each(invalid)('rejects %s', (_name, body, fragment) => {
    const error = rejection(body);
    expect(error.reason).toBe('invalid_response');
    expect(error.message).toContain(fragment);
  });

  it('rejects the whole response when any one session is bad, naming its index', () => {
    const good = (withSession({}) as { UploadSessions: unknown[] }).UploadSessions[0];
    const bad = { ...(good as object), SessionId: 'fb2da2b2-7cb4-45d2-a2e6-c4888d205bc5', ExpectedRanges: [{ StartPosition: '0', EndPosition: 'abc' }] };
    const error = rejection({ UploadSessions: [good, bad] });
    expect(error.message).toBe('UploadSessions[1].ExpectedRanges[0].EndPosition: "abc" is not a decimal integer');
  });

  it('rejects a duplicate session id, even differing only in case', () => {
    const first = (withSession({}) as { UploadSessions: unknown[] }).UploadSessions[0] as Record<string, unknown>;
    const second = { ...first, SessionId: String(first.SessionId).toUpperCase() };
    const error = rejection({ UploadSessions: [first, second] });
    expect(error.message).toContain('UploadSessions[1].SessionId: duplicate session id 2032ac6c-a348-4594-86da-dab0f2bb1ae1');
  });

  it('quotes only a short excerpt of a long bad value', () => {
    const error = rejection(withSession({ FileSize: '9'.repeat(100_000) + 'x' }));
    expect(error.message).toBe(`UploadSessions[0].FileSize: "${'9'.repeat(39)}… is not a decimal integer`);
  });

  it('quotes a value of up to 40 characters whole', () => {
    // 38 characters and the two quotes: exactly the longest excerpt, so no ellipsis.
    expect(rejection(withSession({ FileSize: 'x'.repeat(38) })).message).toBe(`UploadSessions[0].FileSize: "${'x'.repeat(38)}" is not a decimal integer`);
  });

  it('names a missing field by its path, at the top level too', () => {
    expect(rejection({}).message).toBe('UploadSessions: missing');
    expect(rejection({ UploadSessions: null }).message).toBe('UploadSessions: missing');
    expect(rejection(withSession({ FileSize: null })).message).toBe('UploadSessions[0].FileSize: missing');
    expect(rejection(withRanges('100', [{ StartPosition: '0' }])).message).toBe('UploadSessions[0].ExpectedRanges[0].EndPosition: missing');
  });

  it('checks a UTC offset: hours up to 23, minutes up to 59', () => {
    const at = (offset: string) => parseUploadSessions(withSession({ ModifiedDate: `2024-01-01T12:00:00${offset}` }))[0]?.modifiedMs;
    expect(at('+23:59')).toBe(Date.UTC(2024, 0, 1, 12) - (23 * 60 + 59) * 60_000);
    expect(at('-00:59')).toBe(Date.UTC(2024, 0, 1, 12) + 59 * 60_000);
    for (const offset of ['+24:00', '-24:00', '+05:60', '+99:99']) {
      expect(rejection(withSession({ ModifiedDate: `2024-01-01T12:00:00${offset}` })).message).toBe(
        `UploadSessions[0].ModifiedDate: "2024-01-01T12:00:00${offset}" has an invalid UTC offset`,
      );
    }
  });

  it('takes a session that is null or no object for what it is', () => {
    expect(rejection({ UploadSessions: [null] }).message).toBe('UploadSessions[0]: expected an object, got null');
    expect(rejection({ UploadSessions: [[]] }).message).toBe('UploadSessions[0]: expected an object, got an array');
    expect(rejection({ UploadSessions: ['x'] }).message).toBe('UploadSessions[0]: expected an object, got string "x"');
    expect(rejection(withRanges('100', [[]])).message).toBe('UploadSessions[0].ExpectedRanges[0]: expected an object, got an array');
    expect(rejection([]).message).toBe('body: expected a JSON object, got an array');
  });
});

/** The first file of the reference folder listing (`get-image-store-content-folder.json`), as the runtime writes it. */
const MANIFEST = {
  StoreRelativePath: 'Store\\CalcServiceApp\\ApplicationManifest.2.0.xml',
  FileVersion: { EpochDataLossNumber: '131510254310497004', VersionNumber: '23', EpochConfigurationNumber: '25769803776' },
  FileSize: '897',
  ModifiedDate: '2017-09-28T17:44:22.609Z',
};
const MANIFEST_FILE = { storeRelativePath: MANIFEST.StoreRelativePath, fileSize: 897, modifiedMs: Date.UTC(2017, 8, 28, 17, 44, 22, 609) };

function contentRejection(body: unknown): InvalidResponseError {
  try {
    parseStoreContent(body);
  } catch (error) {
    if (error instanceof InvalidResponseError) return error;
    throw error;
  }
  throw new Error('expected parseStoreContent to throw');
}

describe('parseStoreContent', () => {
  it('parses the files of the reference folder listing and leaves its folders out', () => {
    const files = parseStoreContent(fixture('get-image-store-content-folder.json'));
    expect(files).toHaveLength(6);
    expect(files[0]).toEqual(MANIFEST_FILE);
    expect(files.map((f) => f.fileSize)).toEqual([897, 66, 66, 66, 744, 66]);
  });

  it('takes a listing with only StoreFolders, or with a null StoreFiles, as one that lists no file', () => {
    const folders = [{ StoreRelativePath: 'Store\\CalcServiceApp', FileCount: '2' }];
    expect(parseStoreContent({ StoreFolders: folders })).toEqual([]);
    expect(parseStoreContent({ StoreFiles: null, StoreFolders: folders, ContinuationToken: '' })).toEqual([]);
  });

  it('takes a listing with only StoreFiles, or with a null StoreFolders', () => {
    expect(parseStoreContent({ StoreFiles: [MANIFEST] })).toEqual([MANIFEST_FILE]);
    expect(parseStoreContent({ StoreFiles: [MANIFEST], StoreFolders: null })).toEqual([MANIFEST_FILE]);
  });

  it('accepts a ContinuationToken that is a string, null or absent, and refuses any other', () => {
    for (const token of ['', 'Store\\CalcServiceApp\\b', null, undefined]) {
      expect(parseStoreContent({ StoreFiles: [MANIFEST], StoreFolders: [], ContinuationToken: token })).toEqual([MANIFEST_FILE]);
    }
    expect(contentRejection({ StoreFiles: [], StoreFolders: [], ContinuationToken: 1 }).message).toBe('ContinuationToken: expected a string, got number 1');
    expect(contentRejection({ StoreFiles: [], StoreFolders: [], ContinuationToken: {} }).message).toBe('ContinuationToken: expected a string, got an object');
  });

  it('refuses a body that is no object, or an object with neither list', () => {
    expect(contentRejection([]).message).toBe('body: expected a JSON object, got an array');
    expect(contentRejection('Store').message).toBe('body: expected a JSON object, got string "Store"');
    expect(contentRejection(null).message).toBe('body: expected a JSON object, got null');
    expect(contentRejection({ UploadSessions: [] }).message).toBe('body: has neither StoreFiles nor StoreFolders');
    expect(contentRejection({ StoreFiles: null, StoreFolders: null }).message).toBe('body: has neither StoreFiles nor StoreFolders');
  });

  it('refuses StoreFiles or StoreFolders that is no list, naming it', () => {
    expect(contentRejection({ StoreFiles: {}, StoreFolders: [] }).message).toBe('StoreFiles: expected an array, got an object');
    expect(contentRejection({ StoreFiles: 'a', StoreFolders: [] }).message).toBe('StoreFiles: expected an array, got string "a"');
    expect(contentRejection({ StoreFiles: [], StoreFolders: 0 }).message).toBe('StoreFolders: expected an array, got number 0');
  });

  it('refuses a file that is no object, naming its index', () => {
    expect(contentRejection({ StoreFiles: [MANIFEST, null] }).message).toBe('StoreFiles[1]: expected an object, got null');
    expect(contentRejection({ StoreFiles: [[]] }).message).toBe('StoreFiles[0]: expected an object, got an array');
    expect(contentRejection({ StoreFiles: ['Store\\a'] }).message).toBe('StoreFiles[0]: expected an object, got string "Store\\\\a"');
  });

  it('takes a file\'s ModifiedDate up to 5 minutes ahead of this host as clock skew, and refuses one further ahead', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const at = (date: string): unknown => ({ StoreFiles: [{ ...MANIFEST, ModifiedDate: date }] });
    expect(parseStoreContent(at('2026-01-01T12:04:59.999Z'), now)[0]?.modifiedMs).toBe(now + 300_000 - 1);
    expect(parseStoreContent(at('2026-01-01T12:05:00.000Z'), now)[0]?.modifiedMs).toBe(now + 300_000);
    expect(() => parseStoreContent(at('2026-01-01T12:05:00.001Z'), now)).toThrow(
      new InvalidResponseError('StoreFiles[0].ModifiedDate: "2026-01-01T12:05:00.001Z" is more than 5 minutes ahead of this host\'s clock'),
    );
  });

  it('names the field of a bad file: its path, its size, its ModifiedDate', () => {
    const file = (patch: Record<string, unknown>): unknown => ({ StoreFiles: [MANIFEST, { ...MANIFEST, ...patch }] });
    expect(contentRejection(file({ StoreRelativePath: 7 })).message).toBe('StoreFiles[1].StoreRelativePath: expected a string, got number 7');
    expect(contentRejection(JSON.parse('{"StoreFiles":[{"StoreRelativePath":"Store\\\\\\uD800"}]}')).message).toBe(
      'StoreFiles[0].StoreRelativePath: holds an unpaired UTF-16 surrogate, which is no character',
    );
    expect(contentRejection(file({ FileSize: undefined })).message).toBe('StoreFiles[1].FileSize: missing');
    expect(contentRejection(file({ FileSize: '-1' })).message).toBe('StoreFiles[1].FileSize: "-1" is negative');
    expect(contentRejection(file({ ModifiedDate: null })).message).toBe('StoreFiles[1].ModifiedDate: missing');
    expect(contentRejection(file({ ModifiedDate: 636422570626090000 })).message).toBe(
      'StoreFiles[1].ModifiedDate: expected an ISO-8601 date string, got number 636422570626090000',
    );
    expect(contentRejection(file({ ModifiedDate: '2017-09-28' })).message).toBe('StoreFiles[1].ModifiedDate: "2017-09-28" is not an ISO-8601 date-time');
    expect(contentRejection(file({ ModifiedDate: '2017-02-29T00:00:00Z' })).message).toBe(
      'StoreFiles[1].ModifiedDate: "2017-02-29T00:00:00Z" is not a valid calendar date-time',
    );
  });
});

describe('jsonShapeProblem', () => {
  const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('passes real answers: the reference example, many sessions, a session with many ranges, an error body', () => {
    const reference = readFileSync(new URL('../fixtures/servicefabric/get-upload-session-by-path.json', import.meta.url), 'utf8');
    expect(jsonShapeProblem(reference)).toBeUndefined();
    const session = (withSession({}) as { UploadSessions: unknown[] }).UploadSessions[0];
    expect(jsonShapeProblem(JSON.stringify({ UploadSessions: Array.from({ length: 5000 }, () => session) }))).toBeUndefined();
    const ranges = Array.from({ length: 5000 }, (_, i) => ({ StartPosition: String(2 * i), EndPosition: String(2 * i) }));
    expect(jsonShapeProblem(JSON.stringify(withRanges('10000', ranges)))).toBeUndefined();
    expect(jsonShapeProblem('{"Error":{"Code":"X","Message":""}}')).toBeUndefined();
  });

  it(`allows ${MAX_JSON_DEPTH} levels and refuses one more`, () => {
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH + 1))).toBe(`nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
    expect(jsonShapeProblem(`[1,${nested(MAX_JSON_DEPTH)},{"a":${nested(MAX_JSON_DEPTH - 1)}}]`)).toBe(`nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('does not count brackets inside strings, escaped quotes and backslashes included', () => {
    const deep = `nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`;
    expect(jsonShapeProblem(`["${'['.repeat(100)}"]`)).toBeUndefined();
    // "\"[[[…" : the quote is escaped, the brackets are in the string.
    expect(jsonShapeProblem(`["\\"${'['.repeat(100)}"]`)).toBeUndefined();
    // "\\" then [[[…: the backslash is escaped, the string has ended.
    expect(jsonShapeProblem(`["\\\\"${'['.repeat(100)}"]`)).toBe(deep);
    expect(jsonShapeProblem(`["\\\\\\"${'['.repeat(100)}"]`)).toBeUndefined();
    expect(jsonShapeProblem(`{"a\\\\":"b","c":${nested(MAX_JSON_DEPTH + 1)}}`)).toBe(deep);
  });

  it('refuses a body made of tiny arrays or objects, which parses into many times its size', () => {
    expect(jsonShapeProblem(`[${Array(100_000).fill('[]').join(',')}]`)).toBe('holds more arrays and objects than one per 16 characters');
    expect(jsonShapeProblem(`[${Array(100_000).fill('{"a":{}}').join(',')}]`)).toBe('holds more arrays and objects than one per 16 characters');
  });

  it('allows exactly one array or object per 16 characters beyond the nesting allowance, and refuses one more', () => {
    // 10 pairs in 20 characters: the budget is 8 + ceil(20 / 16) = 10.
    expect(jsonShapeProblem('[]'.repeat(10))).toBeUndefined();
    // 11 pairs in 22 characters: still a budget of 10.
    expect(jsonShapeProblem('[]'.repeat(11))).toBe('holds more arrays and objects than one per 16 characters');
  });

  it('leaves syntax to JSON.parse', () => {
    expect(jsonShapeProblem('["unterminated')).toBeUndefined();
    expect(jsonShapeProblem(']]]]')).toBeUndefined();
  });
});
