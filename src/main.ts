#!/usr/bin/env node
import { buildProgram } from './cli.js';

// An unhandled rejection is a bug: say so and exit non-zero rather than run on in an unknown state.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`fatal: unhandled promise rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
  process.exit(70);
});

await buildProgram().parseAsync(process.argv);
