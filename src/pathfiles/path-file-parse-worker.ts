/**
 * The parse worker's entry point (`PathFileParser` starts it as a worker thread): each message is a
 * path file's text and its entry limit, each answer what `readPathFileYaml` found. It must stay
 * small in what it loads, since the heap limit a file may use includes the worker's own modules.
 */
import { parentPort } from 'node:worker_threads';
import { readPathFileYaml } from './path-file-yaml.js';

interface Request {
  readonly text: string;
  readonly maxEntries: number;
}

const port = parentPort;
if (port === null) throw new Error('path-file-parse-worker runs only as a worker thread');
port.on('message', ({ text, maxEntries }: Request) => {
  port.postMessage(readPathFileYaml(text, maxEntries));
});
