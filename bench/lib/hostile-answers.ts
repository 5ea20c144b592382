/**
 * What a hostile cluster can make one answer cost once it is not plain UTF-8: each answer is one
 * valid GetUploadSession or store listing of just under 4 MiB, all ASCII but for one CESU-8 pair
 * (what a real gateway writes for an emoji), for 8 paths polled at the default concurrency. The
 * same answer in ASCII is the yardstick. Shared by the bench (`/-/healthy` while they are decoded)
 * and the test (peak memory).
 */
import { readFileSync } from 'node:fs';

/** Paths polled, all at once at the default concurrency (8). */
export const HOSTILE_PATHS = 8;
const BODY_BYTES = 4 * 1024 * 1024;

/** The CESU-8 bytes of U+1F600, as the runtime writes it: D83D DE00, three bytes each. */
export const CESU8_PAIR = Buffer.from([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]);
/** Six ASCII bytes in the pair's place: the yardstick. */
export const ASCII_MARKER = Buffer.from('xxxxxx');

/**
 * A valid answer of just under 4 MiB: `start`, then a field no reader knows (and so ignores) that
 * holds `marker` (6 bytes) once amid ASCII padding. The cost is the decoding's alone.
 */
function answer(start: string, marker: Buffer): Buffer {
  const head = Buffer.from(`${start},"Padding":"`);
  const tail = Buffer.from('"}');
  const filler = Buffer.alloc(BODY_BYTES - head.length - tail.length - marker.length, 'a');
  return Buffer.concat([head, filler.subarray(0, filler.length >> 1), marker, filler.subarray(filler.length >> 1), tail]);
}

/** The two kinds of answer: the gateway answers `sessions` to GetUploadSession, `store lookups` to the store listing after a 204 there. */
export const HOSTILE_ANSWERS = {
  /** GetUploadSession: one session. */
  sessions: (marker: Buffer): Buffer =>
    answer(
      '{"UploadSessions":[{"StoreRelativePath":"Store\\\\app.zip","SessionId":"2032ac6c-a348-4594-86da-dab0f2bb1ae1","FileSize":"1000","ModifiedDate":"2017-09-28T17:28:11.627Z","ExpectedRanges":[{"StartPosition":"10","EndPosition":"99"}]}]',
      marker,
    ),
  /** A store listing without the file: the path stays absent, so it is looked up every cycle. */
  'store lookups': (marker: Buffer): Buffer => answer('{"StoreFiles":[],"StoreFolders":[]', marker),
};
export type HostileKind = keyof typeof HOSTILE_ANSWERS;

/** Whether a request of the exporter is the one `kind` answers (else the gateway answers 204). */
export function answersRequest(kind: HostileKind, url: string | undefined): boolean {
  return kind === 'sessions' || url?.startsWith('/ImageStore/') === true;
}

/** The exporter's configuration: one cluster at `endpoint`, polled every second, HOSTILE_PATHS paths. */
export function hostileConfig(endpoint: string): string {
  const paths = Array.from({ length: HOSTILE_PATHS }, (_, i) => `'Store\\p${i}.zip'`).join(', ');
  return `poll:\n  schedule: "* * * * * *"\n  request_timeout: 30s\nclusters:\n  - name: hostile\n    endpoint: ${endpoint}\n    content_paths: [${paths}]\n`;
}

/** Peak resident memory of a process so far, bytes (Linux: VmHWM). */
export function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM for process ${pid}`);
  return Number(match[1]) * 1024;
}
